"""The notes' own cells in NumPy: the RNN and LSTM equations as the notes derive them, forward
and backward (numpy_rnn, numpy_lstm), and the character language model built on them (char_lm)."""
