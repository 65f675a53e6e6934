"""The evaluation harness behind ``qa eval``: gold questions, BEIR benchmarks and SQuAD 2.0.

- ``metrics``: pure scoring (span-overlap hits, MRR, abstention precision/recall/F1, percentiles).
- ``gold``: load and check a gold JSON Lines file, ask its questions (conversations in one chat), score.
- ``beir``: a BEIR folder (corpus.jsonl, queries.jsonl, qrels/<split>.tsv) scored with ``ranx``.
- ``squad``: the official SQuAD 2.0 JSON: paragraph retrieval, answer in the top excerpt, abstention.
- ``report``: report folders (report.json, summary.md, plots) and ``--compare``.
- ``cli``: the ``qa eval`` flags and the command itself.
"""
