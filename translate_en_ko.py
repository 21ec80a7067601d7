"""English -> Korean, sequence to sequence, with and without attention (the notes' third shape).

The notes draw four shapes of recurrent network; the third, "다수 입력 다수 출력", reads a
sequence and writes another: "영어를 한국어로 번역하는 자동 번역기". No edition of the book has
code for it. Here the chapter's LSTM is an encoder and a decoder (Sutskever et al., 2014): the
encoder reads the English words and its last state starts the decoder, which writes the Korean
one syllable at a time, fed the true previous syllable while training (teacher forcing) and its
own choice when translating (beam search, BEAM; 1 is greedy). With WITH_ATTENTION the decoder also
looks back at every English word at each step (Bahdanau's additive score, Keras's own
AdditiveAttention; Luong's way of joining it to the decoder's state).

The data are Tatoeba's 5,749 English-Korean pairs (manythings.org; common/text/translation.py),
split by English sentence, so that no test sentence was seen in training. A few thousand pairs
teach short everyday sentences, not a translator: README.md says what the scores mean.

    python translate_en_ko.py                                  # train, with attention
    python translate_en_ko.py --with-attention false           # the plain encoder-decoder
    python translate_en_ko.py --predict "I love you."          # your sentence in Korean
    python translate_en_ko.py --predict "Where is the station?" --explain    # and its alignment
"""
from common import cli, predict

# Seed
SEED = 0  # the same seed repeats the same run (the split never moves: every seed is scored on the same sentences)
SEEDS = 1  # how many runs, with seeds SEED, SEED+1, ...: more than 1 shows how much results move with the seed

# Data
VALIDATION_FRACTION = 0.1  # of the English sentences: what early stopping watches
TEST_FRACTION = 0.1  # of the English sentences: translated and scored once, at the end
MAX_ENGLISH_WORDS = 20  # longest English side kept, in words and marks (longer pairs are left out: about 2%)
MAX_KOREAN_SYLLABLES = 40  # longest Korean side kept, in characters; also the longest translation written

# Model
WITH_ATTENTION = True  # the decoder looks back at every English word at each step; false: the encoder's last state alone
EMBEDDING_DIM = 128  # length of each word's and syllable's learned vector
UNITS = 256  # size of the encoder's and the decoder's LSTM state
DROPOUT = 0.2  # fraction of embedding values zeroed while training

# Training
BATCH_SIZE = 64  # sentence pairs per gradient step
EPOCHS = 60  # at most: training stops once the validation loss has not improved for PATIENCE epochs
PATIENCE = 5  # epochs without a better validation loss before training stops; the best epoch's weights are kept
BATCH_HALVES = True  # TensorFlow on a CPU: each batch's two halves through the model side by side, one per core

# Translating
BEAM = 4  # hypotheses kept at each step of beam search; 1: greedy, the likeliest syllable each time

SETTINGS = cli.settings(globals(), rules={
    "SEED": cli.NON_NEGATIVE,
    "DROPOUT": cli.rule(lambda rate: 0 <= rate < 1, "must be in [0, 1)"),
    "VALIDATION_FRACTION": cli.FRACTION,
    "TEST_FRACTION": cli.FRACTION,
}, checks=[
    (lambda c: c.validation_fraction + c.test_fraction < 1,
     "--validation-fraction and --test-fraction must leave sentences to train on (their sum below 1)"),
], options=predict.options("the Korean translation", explain="with --predict or --predict-file: the attention's "
                           "alignment, each Korean syllable against the English words, drawn and listed"),
    answering_reads=("BEAM", "MAX_KOREAN_SYLLABLES"))  # how --predict translates

# Imports come below SETTINGS: run as a program, cli.settings answers --help and a wrong flag before Keras loads.
from common import keras_setup  # first: it loads Keras, TensorFlow's C++ start-up log kept off the terminal

import json
import sys

import keras
import numpy as np
from keras import layers

from common import decoding, plots, start, training
from common.errors import ScriptError
from common.records import run_folder
from common.text import INDEX_FROM, START, Vocabulary, tokenizers, translation

END = INDEX_FROM  # id 3, which no word has (common/text: words from 4): the end of a Korean sentence
ENGLISH, KOREAN = tokenizers.EnglishWords(), tokenizers.Syllables()
TRANSLATED_SHOWN = 5  # test sentences printed with their references after training


def main(argv=None):
    return start.main(SETTINGS, train, argv, answers=translate_main)


# The data: pairs of token lists, and the arrays the model reads.

def load_data(config, dry_run):
    """(train, validation, test) lists of (English, Korean) pairs, split by English sentence."""
    pairs = translation.synthetic_pairs() if dry_run else translation.load_pairs()
    return translation.split_by_english(pairs, config.validation_fraction, config.test_fraction)


def tokenized(pairs, config):
    """The pairs as (English tokens, Korean tokens, pair), those that fit the length limits."""
    found = [(ENGLISH.split(english), KOREAN.split(korean), (english, korean)) for english, korean in pairs]
    return [item for item in found if 0 < len(item[0]) <= config.max_english_words
            and 0 < len(item[1]) <= config.max_korean_syllables]


def arrays(items, english_vocabulary, korean_vocabulary, config):
    """The model's inputs (the English ids; the Korean ids after a start mark), its targets (the
    Korean ids, then the end), and the weights that leave the padding out of the loss."""
    source = [english_vocabulary.encode_words(english)[1:] for english, _, _ in items]
    korean = [korean_vocabulary.encode_words(syllables)[1:] for _, syllables, _ in items]
    length = config.max_korean_syllables + 1
    inputs = {"source": keras.utils.pad_sequences(source, maxlen=config.max_english_words, padding="post"),
              "target_in": keras.utils.pad_sequences([[START] + ids for ids in korean], maxlen=length, padding="post")}
    targets = keras.utils.pad_sequences([ids + [END] for ids in korean], maxlen=length, padding="post")
    return inputs, targets, (targets != 0).astype("float32")


# The model: one set of layers, wired for training (teacher forcing) and, from the same layers,
# for translating one step at a time (translating_models).

def build_model(config, english_words, korean_words):
    parts = {
        "source_embedding": layers.Embedding(english_words, config.embedding_dim, mask_zero=True, name="source_embedding"),
        "source_dropout": layers.Dropout(config.dropout, name="source_dropout"),
        "encoder": layers.LSTM(config.units, return_sequences=True, return_state=True, name="encoder"),
        "target_embedding": layers.Embedding(korean_words, config.embedding_dim, mask_zero=True, name="target_embedding"),
        "target_dropout": layers.Dropout(config.dropout, name="target_dropout"),
        "decoder": layers.LSTM(config.units, return_sequences=True, return_state=True, name="decoder"),
        "next_syllable": layers.Dense(korean_words, activation="softmax", name="next_syllable"),
    }
    if config.with_attention:
        parts.update({  # Bahdanau's score v^T tanh(W_q s_t + W_k h_j); Keras's layer adds the two and takes the tanh
            "query": layers.Dense(config.units, use_bias=False, name="query"),
            "key": layers.Dense(config.units, use_bias=False, name="key"),
            "attention": layers.AdditiveAttention(name="attention"),
            "attentional": layers.Dense(config.units, activation="tanh", name="attentional"),  # Luong: tanh(W_c [c_t; s_t])
        })
    source = keras.Input(shape=(None,), dtype="int32", name="source")
    target_in = keras.Input(shape=(None,), dtype="int32", name="target_in")
    encoded, keys, state = encode(parts, source)
    probabilities, _, _ = decode(parts, target_in, state, encoded, keys, source)  # the true previous syllables
    model = keras.Model({"source": source, "target_in": target_in}, probabilities, name="translate_en_ko")
    model.compile(loss="sparse_categorical_crossentropy", optimizer="adam", weighted_metrics=["accuracy"])
    return model


def encode(parts, source):
    """The encoder over the English ids: every step's state, the attention's keys of them (None
    without attention), and the last state [h, c], which starts the decoder."""
    encoded, h, c = parts["encoder"](parts["source_dropout"](parts["source_embedding"](source)))
    return encoded, parts["key"](encoded) if "attention" in parts else None, [h, c]


def decode(parts, target_in, state, encoded, keys, source):
    """The decoder from `state` over the Korean ids given: the next syllable's probabilities at
    each step, the decoder's last state, and the attention's weights over the English words."""
    decoded, h, c = parts["decoder"](parts["target_dropout"](parts["target_embedding"](target_in)), initial_state=state)
    weights = None
    if "attention" in parts:
        english_words = parts["source_embedding"].compute_mask(source)  # the padding is never looked at
        context, weights = parts["attention"]([parts["query"](decoded), encoded, keys], mask=[None, english_words],
                                              return_attention_scores=True)
        decoded = parts["attentional"](layers.concatenate([context, decoded]))
    return parts["next_syllable"](decoded), [h, c], weights


def translating_models(model):
    """(encoder, step): the trained model's own layers, wired to encode a sentence once, then
    to write one syllable at a time from the state the last one left."""
    names = ("source_embedding", "source_dropout", "encoder", "target_embedding", "target_dropout", "decoder",
             "next_syllable", "query", "key", "attention", "attentional")
    parts = {name: model.get_layer(name) for name in names if name in {layer.name for layer in model.layers}}
    units = parts["encoder"].units
    source = keras.Input(shape=(None,), dtype="int32", name="source")
    encoded, keys, state = encode(parts, source)
    encoder = keras.Model(source, [encoded, keys if keys is not None else encoded, *state], name="encoder")
    previous = keras.Input(shape=(1,), dtype="int32", name="previous")
    h, c = keras.Input(shape=(units,), name="h"), keras.Input(shape=(units,), name="c")
    every_state, every_key = keras.Input(shape=(None, units), name="encoded"), keras.Input(shape=(None, units), name="keys")
    probabilities, (next_h, next_c), weights = decode(parts, previous, [h, c], every_state, every_key if keys is not None
                                                      else None, source)
    outputs = [probabilities[:, 0], next_h, next_c] + ([weights[:, 0]] if weights is not None else [])
    inputs = [previous, h, c] + ([every_state, every_key, source] if weights is not None else [])  # none unused
    step = keras.Model(inputs, outputs, name="step")
    return encoder, step


def translate(models, english_vocabulary, sentences_as_tokens, beam, max_length):
    """decoding.Hypothesis for each English token list: beam search (beam 1: greedy) with the
    translating models; the attention rows cover the English tokens only."""
    encoder, step_model = models
    source = keras.utils.pad_sequences([english_vocabulary.encode_words(tokens)[1:] for tokens in sentences_as_tokens],
                                       padding="post")
    encoded, keys, h, c = (keras.ops.convert_to_numpy(part) for part in encoder(source, training=False))

    def step(tokens, state):
        given = [tokens[:, None], *state][:len(step_model.inputs)]  # the plain model reads h and c alone
        outputs = [keras.ops.convert_to_numpy(part) for part in step_model(given, training=False)]
        attention = outputs[3] if len(outputs) > 3 else None
        return np.log(np.maximum(outputs[0], 1e-30)), (outputs[1], outputs[2], *state[2:]), attention

    state = (h, c, encoded, keys, source)
    if beam == 1:
        return decoding.greedy(step, state, START, END, max_length)
    return decoding.beam_search(step, state, START, END, max_length, beam)


def korean_of(hypothesis, korean_vocabulary):
    return KOREAN.join(korean_vocabulary.words.get(token, "?") for token in hypothesis.tokens)


# The scores: chrF and BLEU by sacrebleu, against every reference a test sentence has.

def scores(translations, references):
    """chrF (characters), BLEU over Kiwi's morphemes (Korean has no spaces between particles and
    stems: a word-level BLEU would count 사과를 and 사과는 as two different words), and the share of
    translations equal to one of their references."""
    import sacrebleu

    most = max(len(found) for found in references)
    streams = [[found[k] if k < len(found) else None for found in references] for k in range(most)]
    morphemes = tokenizers.Morphemes()

    def split(texts):
        return [" ".join(tokens) for tokens in morphemes.split_many(texts)]

    bleu = sacrebleu.corpus_bleu(split(translations), [[None if text is None else " ".join(morphemes.split(text))
                                                        for text in stream] for stream in streams], tokenize="none",
                                force=True)  # split on purpose: else sacrebleu warns that it looks tokenized
    same = [" ".join(text.split()) in {" ".join(reference.split()) for reference in found}
            for text, found in zip(translations, references)]
    return {"chrf": round(sacrebleu.corpus_chrf(translations, streams).score, 2), "bleu": round(bleu.score, 2),
            "exact_match": round(float(np.mean(same)), 4)}


def test_translations(models, english_vocabulary, korean_vocabulary, test_items, config, run):
    """The test set's English sentences, each once, translated in chunks (a Ctrl-C after
    training ends it between two); (English, translation, references) in order, and whether
    every sentence was reached."""
    references = {}
    for english_tokens, _, (english, korean) in test_items:
        references.setdefault(english, (english_tokens, []))[1].append(korean)
    done, sentences = [], list(references.items())
    for start_at in range(0, len(sentences), 128):
        if run.outcome.signal_after_training:
            return done, False
        chunk = sentences[start_at:start_at + 128]
        found = translate(models, english_vocabulary, [tokens for _, (tokens, _) in chunk], config.beam,
                          config.max_korean_syllables)
        done += [(english, korean_of(hypothesis, korean_vocabulary), korean) for (english, (_, korean)), hypothesis
                 in zip(chunk, found)]
    return done, True


def train(config, args, run):
    """The page: the pairs, the model, training until the validation loss stops falling, the
    test sentences translated and scored, the loss graph."""
    keras_setup.seed_everything(config.seed)
    training.fewer_epochs_in_a_dry_run(config, args, at_most=10)

    pairs = load_data(config, args.dry_run)
    train_items, validation_items, test_items = (tokenized(part, config) for part in pairs)
    run.data = {"train_size": len(train_items), "validation_size": len(validation_items), "test_size": len(test_items),
                "left_out_as_too_long": sum(map(len, pairs)) - len(train_items) - len(validation_items) - len(test_items)}
    print(f"{len(train_items)} training pairs, {len(validation_items)} validation, {len(test_items)} test "
          f"(by English sentence; {run.data['left_out_as_too_long']} longer pairs left out)"
          f"{' (synthetic data: --dry-run)' if args.dry_run else ''}")
    # Every token of the training side, by frequency, ids from 4 as common/text counts words
    english_vocabulary = Vocabulary.counted([english for english, _, _ in train_items], None, ENGLISH.split)
    korean_vocabulary = Vocabulary.counted([korean for _, korean, _ in train_items], None, KOREAN.split)
    print(f"Vocabularies: {english_vocabulary.num_words - INDEX_FROM - 1} English words and marks, "
          f"{korean_vocabulary.num_words - INDEX_FROM - 1} Korean syllables and marks")

    model = build_model(config, english_vocabulary.num_words, korean_vocabulary.num_words)
    model.summary()
    # Wired now, before training: Keras 3.13 (Colab's) cannot wire AdditiveAttention with its
    # weights returned once the layer has run on data. They share the model's layers, so they
    # translate with whatever training leaves in them.
    models = translating_models(model)

    early_stopping_callback = keras.callbacks.EarlyStopping(monitor="val_loss", patience=config.patience,
                                                            restore_best_weights=True)
    inputs, targets, weights = arrays(train_items, english_vocabulary, korean_vocabulary, config)
    train_batches = training.batches(inputs, targets, config.batch_size, shuffle=True, sample_weight=weights,
                                     trim_padding=True)  # a batch of short sentences: few steps
    validation_batches = one_pass(validation_items, english_vocabulary, korean_vocabulary, config)
    side_by_side = training.side_by_side(model, run, training_in_halves=config.batch_halves)
    with run.training():  # Ctrl-C or a NaN loss ends training after the batch; what was learned is kept
        side_by_side.fit(train_batches, epochs=config.epochs, validation_data=validation_batches,
                         callbacks=[*training.callbacks(run), early_stopping_callback], verbose=training.VERBOSE)
    best_epoch = training.best_epoch(early_stopping_callback, run)
    if run.completed:  # an interrupted run is saved, not scored
        test = side_by_side.evaluate(one_pass(test_items, english_vocabulary, korean_vocabulary, config), verbose=0,
                                     return_dict=True)  # the loss and next-syllable accuracy, teacher-forced
        print(f"\nThe best epoch's weights ({best_epoch} of {run.outcome.done}, lowest validation loss) are kept.")
        translated, whole = test_translations(models, english_vocabulary, korean_vocabulary, test_items, config, run)
        if whole:
            test.update(scores([korean for _, korean, _ in translated], [found for _, _, found in translated]))
            print(f"\nTest sentences ({len(translated)}, beam {config.beam}): chrF {test['chrf']:.1f}, BLEU "
                  f"{test['bleu']:.1f} (Kiwi morphemes), exact match {test['exact_match']:.3f}; next-syllable "
                  f"accuracy {test['accuracy']:.4f} (teacher forcing)")
            for english, korean, found in translated[:TRANSLATED_SHOWN]:
                print(f"  {english}\n    model: {korean}\n    reference: {' | '.join(found)}")
        else:
            print("note: the test sentences were not all translated (stopped): no chrF or BLEU", file=sys.stderr)
        run.tested(test)
        print(f'\nYour own sentence: python {run.script}.py --predict "I love you."')

    title = f"{run.script} ({'attention' if config.with_attention else 'no attention'}): " + (
        f"chrF {run.evaluation['chrf']:.1f} on the test sentences" if "chrf" in run.evaluation else run.outcome.status)
    figure = plots.history_figure(run.history, title, show=args.show, best_epoch=best_epoch, validation="Validation")
    return run.finish(model, figure, extra={"best_epoch": best_epoch, "tokens": "English words, Korean syllables",
                                            "score": "test_chrf"},
                      texts={predict.VOCABULARY: vocabularies_json(english_vocabulary, korean_vocabulary, config)})


def one_pass(items, english_vocabulary, korean_vocabulary, config):
    """The batches of a validation or test pass: in order, larger, the padding weighed 0."""
    inputs, targets, weights = arrays(items, english_vocabulary, korean_vocabulary, config)
    return training.batches(inputs, targets, training.TEST_BATCH_SIZE, sample_weight=weights, trim_padding=True)


# --predict: the saved model and vocabularies translate; no dataset is read.

def vocabularies_json(english_vocabulary, korean_vocabulary, config):
    return json.dumps({"tokenizer": ENGLISH.name, "target_tokenizer": KOREAN.name,
                       "english": english_vocabulary.ranked_words(), "korean": korean_vocabulary.ranked_words(),
                       "max_english_words": config.max_english_words}, ensure_ascii=False, indent=0) + "\n"


def saved_vocabularies(path):
    """(English Vocabulary, Korean Vocabulary, longest English side trained on) saved with the run."""
    return predict.read_saved(path, lambda record: (
        Vocabulary.ranked(record["english"], ENGLISH.split), Vocabulary.ranked(record["korean"], KOREAN.split),
        int(record["max_english_words"])), what="the vocabularies")


def translate_main(args, config):
    """--predict / --predict-file: one Korean translation a line, then the English's start; with
    --explain, each translation's alignment drawn and listed. Exit code 0."""
    texts = predict.read_texts(args)  # bad text fails before any model is loaded
    path = predict.model_path(args.model, args.script, dry_run=args.dry_run)
    model = predict.trained_model(path, args.script)
    print(run_folder.provenance(path, "Translating"), file=sys.stderr)
    english_vocabulary, korean_vocabulary, longest = saved_vocabularies(path)
    sentences = []
    for number, text in enumerate(texts, start=1):
        tokens = ENGLISH.split(text)
        if len(tokens) > longest:
            print(f"note: text {number} has {len(tokens)} words and marks; the model, trained on at most {longest}, "
                  f"translates its first {longest}", file=sys.stderr)
            tokens = tokens[:longest]
        if not any(token in english_vocabulary.ids for token in tokens):
            print(f"note: text {number} has no word the model knows; its translation is a guess", file=sys.stderr)
        sentences.append(tokens or ["."])
    found = translate(translating_models(model), english_vocabulary, sentences, config.beam, config.max_korean_syllables)
    for text, tokens, hypothesis in zip(texts, sentences, found):
        korean = korean_of(hypothesis, korean_vocabulary)
        print(f"{korean}\t{predict.preview(text)}" + ("" if hypothesis.finished else "\t(cut at the length limit)"))
        if args.explain:
            explain_alignment(args, tokens, hypothesis, korean_vocabulary, english_vocabulary, korean)
    return 0


def explain_alignment(args, tokens, hypothesis, korean_vocabulary, english_vocabulary, korean):
    """--explain: for each Korean syllable written, the English word it looked at most
    (english<TAB>korean<TAB>weight), and the whole alignment as a heat map, its path on stderr."""
    if not hypothesis.attention:
        raise ScriptError("--explain: this model has no attention (trained with --with-attention false): it aligns nothing")
    written = [korean_vocabulary.words.get(token, "?") for token in hypothesis.tokens] + (["</s>"] if hypothesis.finished else [])
    shown = [row for row, syllable in enumerate(written) if syllable.strip()]  # a space aligns with nothing
    weights = np.array(hypothesis.attention)[shown, :len(tokens)]  # rows: the syllables written and the end
    written = [written[row] for row in shown]
    english = [token if token in english_vocabulary.ids else f"{token}?" for token in tokens]
    for syllable, row in zip(written, weights):
        print(f"{english[int(row.argmax())]}\t{syllable}\t{row.max():.3f}")
    plt = plots.pyplot()
    figure, axes = plt.subplots(figsize=(2.5 + 0.45 * len(english), 2.0 + 0.3 * len(written)))
    image = axes.imshow(weights, cmap="viridis", vmin=0, vmax=1, aspect="auto")
    axes.set_xticks(range(len(english)), english, rotation=60, ha="right")
    axes.set_yticks(range(len(written)), written)
    axes.set_xlabel("English (what the decoder looks at)")
    axes.set_ylabel("Korean, as written (spaces left out)")
    axes.set_title(f"{args.script}: {predict.preview(' '.join(tokens))}\n→ {korean}", fontsize=10)
    figure.colorbar(image, ax=axes, label="attention weight")
    figure.tight_layout()
    predict.save_drawing(figure, args, run_folder.ALIGNMENT, "Alignment")


if __name__ == "__main__":
    cli.main_guard(main)
