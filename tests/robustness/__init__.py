"""Robustness tests (issue 11): whatever a planner or an attacker throws at the
simulator, it answers with a result or one clean error line, never a traceback, a
hang, a half-written file or a command run on their behalf.

* ``test_cli_fuzz``: hypothesis-generated scenario files, valid and broken in
  seventeen ways, through the library and the command line
  (``python -m tests.robustness.fuzz_table`` prints the counts per kind);
* ``test_invariants``: conservation and sanity rules on every replication of
  varied scenarios;
* ``test_determinism``: byte-identical outputs across reruns, hash seeds and
  executors;
* ``test_atomic_kill``: SIGKILL at any moment leaves only whole output files;
* ``test_safe_loading``: YAML tags never run code, code-like text stays text, no
  output escapes its folder;
* ``test_safe_limits``: absurd runs are refused at once (and the gaps still open);
* ``test_regressions``: the inputs that once crashed, hung or garbled a run.

The whole folder runs in well under a minute.
"""
