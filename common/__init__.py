"""What the chapter's scripts share. Importing this package loads nothing heavy."""
