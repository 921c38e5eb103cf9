"""quizgen: randomized exercises and a safe symbolic grader for the calculus behind neural networks."""

__version__ = "0.1.0"
