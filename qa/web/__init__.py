"""The web layer: the Gradio chat and the routes beside it. It imports the library, never the reverse."""
