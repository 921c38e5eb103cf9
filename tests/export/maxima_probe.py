"""Ask a real Maxima how it reads names and expressions (the tests that use it skip when Maxima is missing).

`python tests/export/maxima_probe.py` prints every Maxima symbol that is a valid bank variable name with
its kind, the data of quizgen/maxima_names.py.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

VARIABLE_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,7}$")

_CLASSIFY = r"""
(in-package :maxima)
(defun qg-kind (name)
  (let* ((form (let ((*standard-output* (make-broadcast-stream)) (*error-output* (make-broadcast-stream)))
                 (catch 'macsyma-quit
                   (ignore-errors (mread (make-string-input-stream (concatenate 'string name "*2+1;")) nil)))))
         (expr (and (consp form) (consp (cdr form)) (consp (cddr form)) (third form)))
         (sym (and (consp expr) (consp (second expr)) (second (second expr)))))
    (cond ((not (and sym (symbolp sym))) "keyword")
          ((member sym '($inf $minf $ind $und $infinity $zeroa $zerob $true $false)) "constant")
          ((ignore-errors ($constantp sym)) "constant")
          ((or (boundp sym) (boundp ($verbify sym))) "value")
          ((or (fboundp sym) (get sym 'mfexpr*) (get sym 'mfexpr*s) (get sym 'operators)
               (get ($nounify sym) 'operators) (get sym 'autoload) (fboundp ($verbify sym))
               (get ($verbify sym) 'mfexpr*) (get ($verbify sym) 'autoload) (mget sym 'mexpr)) "function")
          (t "free"))))
"""


def maxima() -> str | None:
    return shutil.which("maxima")


def run_lisp(code: str, timeout: float = 120) -> str:
    """Load code into a fresh Maxima and return what it prints."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "probe.lisp"
        path.write_text(code, encoding="utf-8")
        proc = subprocess.run(
            [maxima() or "maxima", "--very-quiet"],
            input=f':lisp (load "{path}")\n',
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    return proc.stdout


def name_kinds(names: list[str]) -> dict[str, str]:
    """keyword, constant, value, function or free for each name, as Maxima reads it."""
    quoted = " ".join('"' + n + '"' for n in names)
    out = run_lisp(_CLASSIFY + f'(dolist (n (list {quoted})) (format t "QGKIND ~a ~a~%" n (qg-kind n)))\n')
    return dict(line.split()[1:3] for line in out.splitlines() if line.startswith("QGKIND "))


def all_symbols() -> list[str]:
    """Every symbol Maxima knows, as a user types it: the $ and % symbols of its package. That is what
    apropos("") lists, plus nine interned names it leaves out (emode, o1, th...), all without a meaning, and
    walking the package takes 0.1 s of CPU where apropos("") takes 2.1 s."""
    code = "(in-package :maxima)\n(do-symbols (s :maxima)\n  (let ((name (symbol-name s)))\n"
    code += "    (when (and (plusp (length name)) (member (char name 0) '(#\\$ #\\%)))\n"
    code += '      (format t "QGSYM ~a~%" (print-invert-case (stripdollar s))))))\n'
    out = run_lisp(code)
    return sorted(
        {line.split()[1] for line in out.splitlines() if line.startswith("QGSYM ") and len(line.split()) == 2}
    )


def _lisp_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def evaluate(programs: list[str]) -> list[str]:
    """Run each program (Maxima statements ending in ;) in one Maxima; "ok" or the first failure for each.

    Every statement must parse, evaluate without a Maxima error, and the last one's value is printed.
    """
    code = (
        "(in-package :maxima)\n(defun qg-run (text)\n"
        + r"""
  (let ((stream (make-string-input-stream text)) (result "ok"))
    (loop
      (let ((form (let ((*standard-output* (make-broadcast-stream)))
                    (catch 'macsyma-quit (ignore-errors (mread stream nil))))))
        (cond ((null form) (return))
              ((not (consp form)) (setq result "parse error") (return)))
        (let ((value (catch 'macsyma-quit
                       (let ((*standard-output* (make-broadcast-stream)))
                         (ignore-errors (list (meval (third form))))))))
          (unless (consp value) (setq result "evaluation error") (return)))))
    result))
"""
    )
    for i, program in enumerate(programs):
        code += f'(format t "QGRUN {i} ~a~%" (qg-run {_lisp_string(program)}))\n'
    out = run_lisp(code)
    found = dict(line.split(" ", 2)[1:3] for line in out.splitlines() if line.startswith("QGRUN "))
    return [found.get(str(i), "no result") for i in range(len(programs))]


if __name__ == "__main__":
    kinds = name_kinds([n for n in all_symbols() if VARIABLE_RE.match(n)])
    for name, kind in sorted(kinds.items()):
        sys.stdout.write(f"{name} {kind}\n")
