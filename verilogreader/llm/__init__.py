"""LLM adapters: the chat client interface, the openai client, the local server, prompts."""
