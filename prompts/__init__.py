"""The Jinja2 prompt templates (shipped inside the wheel as verilogreader.prompts)."""
