"""Prints the text of a PDF (a fixture: it only names the file)."""
import sys

print(f"text of {sys.argv[1]}")
