"""Two small documents the app's tests upload (the answer to 'sky on Mars' is in the first)."""

MARS = b"Mars notes.\nThe sky on Mars is butterscotch during the day and blue at sunset.\n" * 3
CATS = b"# Cats\n\nCats purr when they are content. A group of cats is called a clowder.\n"
