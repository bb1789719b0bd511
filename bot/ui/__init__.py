"""The Gradio app: thin tabs over the core (`bot.service`, `bot.conversation`, `bot.debate`)."""
