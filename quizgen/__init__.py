"""quizgen: randomized exercises and a safe symbolic grader for the calculus behind neural networks."""

import os

# sympy remembers the results of its constructors (Mul, Pow, Add, ...) in one LRU cache per function,
# sized once, when sympy is first imported: the default of 1,000 entries is far below what generating a
# class rebuilds (the same factors and powers across students), so a draw's sympy work was done again
# after eviction. 50,000 makes generation ~15-20% cheaper for ~30 MB (benchmarks/bench_generate.py); a
# size the user sets in the environment wins. Set here because it must precede sympy's first import.
os.environ.setdefault("SYMPY_CACHE_SIZE", "50000")

__version__ = "0.1.0"
