"""Similar matters: the same problem recognised however it is written (text, index, look-up)."""
