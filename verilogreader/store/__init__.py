"""Result and corpus files: versioned JSON, written atomically."""
