"""Where every script's main() goes: one entry, the same for all of them, and the top floor of
common/ (only scripts import it; docs/layout.md).

    def main(argv=None):
        return start.main(SETTINGS, train, argv, answer=top_topics, word_index_of_older_runs="reuters",
                          explains=its_topic, explains_towards="its topic", published_results=BOOK_RESULTS)

It reads the command line (common/cli.py: the settings, and which flags go together), then
does one thing, in this order:

    --gates TEXT            the trained LSTM's gates over TEXT (scripts with predict.options(gates=True))
    --attention TEXT        the trained attention's weights over TEXT (predict.options(attention=True))
    --predict, --predict-file   the trained model answers; with --explain, each word's part
    --generate N            the trained language model writes (char_rnn_text.py: generates=...)
    --seeds N               one run per seed, each in its own process, then their spread
    otherwise               train(config, args, run): the script's page, in a new run folder

and returns the exit code.
"""
from common import cli, predict
from common.runs import Run, seeds


def main(settings, train, argv=None, *, unit="epoch", answer=None, word_index_of_older_runs=None, explains=None,
         explains_towards=None, generates=None, published_results=None, answers=None):
    """Parse `argv` against the script's settings and do what it asks (see above).

    train(config, args, run)   the page: trains and saves the run (run.finish), returns the exit code
    unit                       what one entry of the run's history is: "epoch", "step", "distance"
    answer                     --predict's columns for one text: answer(probabilities) -> list of str
    word_index_of_older_runs   the keras.datasets name whose word index reads a run saved before runs
                               kept their vocabulary.json ("reuters", "imdb"); None: there are none
    explains, explains_towards --explain's score of a text, explains(probabilities, of_the_whole_text),
                               and what it measures ("positive", "its topic")
    generates                  generates(args, config) for --generate N
    published_results          label -> accuracy that a --seeds group is set against (the book's), or a
                               function of the config giving it (imdb_cnn_lstm.py: by --edition)
    answers                    answers(args, config) for --predict and --predict-file, where the answer is
                               not one pass of a classifier (translate_en_ko.py: a translation)
    """
    config, args = cli.parse(settings, argv)
    if getattr(args, "gates", None) is not None:
        return predict.gates_main(args, config, word_index_of_older_runs)
    if getattr(args, "attention", None) is not None:
        return predict.attention_main(args, config, word_index_of_older_runs)
    if predict.wanted(args) and answers is not None:
        return answers(args, config)
    if predict.wanted(args):
        return predict.main(args, config, word_index_of_older_runs, answer=answer,
                            explains=explains if args.explain else None, towards=explains_towards)
    if getattr(args, "generate", None) is not None:
        return generates(args, config)
    if getattr(config, "seeds", 1) > 1:
        book = published_results(config) if callable(published_results) else published_results
        return seeds.main(settings.script_path, config, args, book=book)
    return train(config, args, Run(args, config, unit))  # Run refuses a folder it cannot write, before any data loads
