"""quizgen: randomized exercises and a safe symbolic grader for the calculus behind neural networks."""

import os

# sympy remembers the results of its constructors (Mul, Pow, Add, sort keys) in one LRU cache per function,
# sized once, when sympy is first imported (quizgen imports it lazily, after this). The default of 1,000
# entries is far below what a class rebuilds: generating repeats the same factors and powers across
# students, and grading repeats a key's terms in its buggy keys and a class's keys across students. After
# eviction that sympy work was done again. 50,000 entries make generation ~15-20% cheaper for ~30 MB
# (benchmarks/bench_generate.py) and the checker about an eighth cheaper (benchmarks/bench_grade.py). The
# caches only memoize pure constructors, so no result changes; a size the user sets in the environment wins.
os.environ.setdefault("SYMPY_CACHE_SIZE", "50000")

__version__ = "0.1.0"
