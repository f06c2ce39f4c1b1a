"""Operations: deploying the app to a Hugging Face Space (`python -m greentext.ops.deploy`)."""
