"""quizgen: randomized exercises and a safe symbolic grader for the calculus behind neural networks."""

import os

__version__ = "0.1.0"

# sympy memoizes its constructors (Mul, Add, Pow, sort keys) in LRU caches of SYMPY_CACHE_SIZE entries,
# read once when sympy is first imported (sympy is imported lazily, after this). Its default of 1000 is
# smaller than what grading one class builds (a key's buggy keys repeat the key's terms, a class repeats
# its keys), so the caches thrash: 20,000 entries cut the checker's CPU by about an eighth for about 10 MB.
# The caches only memoize pure constructors, so no result changes; a value set by the user is kept.
os.environ.setdefault("SYMPY_CACHE_SIZE", "20000")
