"""The bottom layer: pure text and LaTeX helpers that every stage prints with.

escape (tex_escape: any text into LaTeX), latexmath (checking and laying out LaTeX math strings) and
printing (sympy expressions as the manifest's text and as LaTeX, exactly like sympy's printers but fast).
Nothing here imports another quizgen stage, so families, generate, render, export and grading can all use
it (the import-linter contract in pyproject.toml keeps it so).
"""
