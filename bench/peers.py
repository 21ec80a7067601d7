"""The peer: the same models written in plain PyTorch, trained the plain PyTorch way."""
import torch
from torch import nn

TEST_BATCH_SIZE = 500  # rows per step of a test-set pass, as in the Keras scripts (common/training.py)


class ReutersLSTM(nn.Module):
    """Embedding(1000, 100) -> LSTM(100) -> Linear(46); softmax is inside the loss."""

    def __init__(self, num_words=1000, embedding_dim=100, units=100, classes=46):
        super().__init__()
        self.embedding = nn.Embedding(num_words, embedding_dim)
        self.lstm = nn.LSTM(embedding_dim, units, batch_first=True)
        self.dense = nn.Linear(units, classes)

    def forward(self, x):
        _, (h, _) = self.lstm(self.embedding(x))
        return self.dense(h[-1])


class ImdbCnnLstm(nn.Module):
    """Embedding(5000, 100) -> Dropout(0.5) -> Conv1d(64, 5) -> ReLU -> MaxPool1d(4) -> LSTM(55) -> Linear(1)."""

    def __init__(self, num_words=5000, embedding_dim=100, filters=64, kernel_size=5, pool_size=4, units=55):
        super().__init__()
        self.embedding = nn.Embedding(num_words, embedding_dim)
        self.dropout = nn.Dropout(0.5)
        self.conv = nn.Conv1d(embedding_dim, filters, kernel_size)
        self.pool = nn.MaxPool1d(pool_size)
        self.lstm = nn.LSTM(filters, units, batch_first=True)
        self.dense = nn.Linear(units, 1)

    def forward(self, x):
        x = self.dropout(self.embedding(x)).transpose(1, 2)  # Conv1d wants (batch, channels, time)
        x = self.pool(torch.relu(self.conv(x))).transpose(1, 2)
        _, (h, _) = self.lstm(x)
        return self.dense(h[-1]).squeeze(1)


class SeqSelfAttention(nn.Module):
    """keras-self-attention's additive self-attention, as common/self_attention.py writes it:
    e = sigmoid(W_a^T tanh(W_t^T h_t + W_x^T h_t' + b_h) + b_a), a = softmax(e), v = a h;
    the plain PyTorch way, all of e at once (PyTorch's broadcasting add)."""

    def __init__(self, features, units=32):
        super().__init__()
        self.query = nn.Linear(features, units)  # W_t and b_h
        self.key = nn.Linear(features, units, bias=False)  # W_x
        self.score = nn.Linear(units, 1)  # W_a and b_a

    def forward(self, h):
        g = torch.tanh(self.query(h).unsqueeze(2) + self.key(h).unsqueeze(1))  # (batch, T, T', units)
        a = torch.softmax(torch.sigmoid(self.score(g).squeeze(-1)), dim=-1)
        return a @ h


class ImdbAttention(nn.Module):
    """Embedding(5000, 500) -> Dropout(0.5) -> LSTM(64, every step) -> SeqSelfAttention -> Dropout(0.5)
    -> Flatten -> Linear(1): imdb_attention.py's model."""

    def __init__(self, num_words=5000, embedding_dim=500, units=64, maxlen=500):
        super().__init__()
        self.embedding = nn.Embedding(num_words, embedding_dim)
        self.dropout = nn.Dropout(0.5)
        self.lstm = nn.LSTM(embedding_dim, units, batch_first=True)
        self.attention = SeqSelfAttention(units)
        self.dense = nn.Linear(maxlen * units, 1)

    def forward(self, x):
        h, _ = self.lstm(self.dropout(self.embedding(x)))
        return self.dense(self.dropout(self.attention(h)).flatten(1)).squeeze(1)


MODELS = {"reuters": ReutersLSTM, "imdb": ImdbCnnLstm, "attention": ImdbAttention}


def build(model_name):
    """Model, loss and Adam as the Keras scripts configure them (Keras's epsilon)."""
    torch.manual_seed(0)
    model = MODELS[model_name]()
    loss = nn.CrossEntropyLoss() if model_name == "reuters" else nn.BCEWithLogitsLoss()
    return model, loss, torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)


def train_epoch(model, loss_fn, optimizer, x, y, batch_size, step_seconds, clock):
    model.train()
    for start in range(0, len(x), batch_size):
        began = clock()
        optimizer.zero_grad()
        loss = loss_fn(model(x[start:start + batch_size]), y[start:start + batch_size])
        loss.backward()
        optimizer.step()
        step_seconds.append(clock() - began)


def evaluate(model, x, batch_size):
    model.eval()
    with torch.no_grad():
        for start in range(0, len(x), batch_size):
            model(x[start:start + batch_size])
