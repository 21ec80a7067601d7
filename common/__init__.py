"""What the chapter's scripts share. Importing this package loads nothing heavy."""
import os

# TensorFlow's C++ start-up chatter (CUDA probing, CPU flags) is noise for a student.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
