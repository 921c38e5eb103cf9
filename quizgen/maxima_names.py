"""Names a STACK export cannot give a variable: Maxima keywords, constants, option variables and functions.

Generated from Maxima 5.46 (the version STACK 4.x sites run or newer): every $ or % symbol of its package
(what apropos("") lists) that is a valid bank variable name, classified by reading `name*2+1` with
Maxima's own parser (keywords do not parse), then asking Maxima whether the symbol is a constant, has a
value (an option variable such as numer, which would be substituted) or names a built-in function (a
variable called load or ev is refused by STACK's input security). Greek letter names (beta, gamma, zeta) stay allowed: Maxima and STACK read
them as plain symbols when they are not called. `python tests/export/maxima_probe.py` prints the data again.
"""

from __future__ import annotations

KEYWORDS = frozenset(
    """
and do else elseif false for from if next not or step then thru unless while
""".split()
)
"""Maxima's parser reads these as syntax (if ... then, do loops, logic): `do*2` does not parse."""

CONSTANTS = frozenset(
    """
constant ind inf infinity minf true und zeroa zerob
""".split()
)
"""Maxima constants and special values: inf*x is infinity, not a variable."""

OPTION_VARIABLES = frozenset(
    """
algdelta algexact aliases arrays bftorat bftrunc boxchar breakup cflength context contexts demoivre detout
dispflag disptime domain domxexpt domxplus dot0simp dot1simp dotassoc dotident erfflag error errormsg expon
expop factlim features float float2bf fpprec gammalim gcd genindex gf_logs gf_rat gradefs grind help ibase
inchar infeval inflag labels leftjust letrat liflag limsubst linechar linel linenum lispdisp lmxchar logabs
logarc logsimp macros maperror mapprint maxnegex maxposex modulus mx0simp nalgfac nolabels norepeat noundisp
numer obase off on opsubst outchar piece pois1 poislim poisz prefer_d prompt props psexpand pstream ratfac
ratmx ratprint ratvars ratwtlvl realonly refcheck rmxchar rot rules savedef setcheck setval showtime simp
simpsum sparse stardisp strdisp timer tr_numer trace trace2f1 transrun trigsign ttyoff values verbose
zerobern
""".split()
)
"""Maxima option and system variables: they have a value, which Maxima substitutes for the name."""

STACK_FORBIDDEN = frozenset(
    """
eval exit system
""".split()
)
"""Words STACK's input security refuses although core Maxima gives them no meaning of their own."""

FUNCTIONS = frozenset(
    """
abs acos acosh acot acoth acsc acsch activate addcol addrow adjoin adjoint airy_ai airy_bi airy_dai airy_dbi
algfac algnorm algsys algtrace alias allbut allroots append apply apply1 apply2 applyb1 applyb2 apropos args
arite array ascii asec asech asin asinh askequal asksign assoc assume at atan atan2 atanh atom atvalue base64
batch bc2 bdiscr belln bern bernpoly bessel_i bessel_j bessel_k bessel_y bezout bffac bfloat bfloatp bfpsi
bfpsi0 bfzeta binomial bit_and bit_lsh bit_not bit_onep bit_or bit_rsh bit_xor block bothcoef box break
buildq cabs carg catch cbffac ceiling cequal cf cfdisrep cfexpand charat charfun charlist charp charpoly
chinese cholesky cint cl_eval clessp close coeff col collapse columnop combine comp2ele comp2pui compare
compfile compile concat cons content contract copy copy_pts copylist cos cosh cot coth crc24sum csc csch
csign cunlisp declare define defint defmatch defrule del delete demo denom depends describe desimp desolve
diff direct disjoin disolate disp dispform dispfun display disprule distrib divide divisors divsum dpart draw
draw2d draw3d echelon ed ef_add ef_at ef_div ef_eval ef_exp ef_gcd ef_gcdex ef_index ef_info ef_inv ef_l2n
ef_l2p ef_log ef_mult ef_n2l ef_n2p ef_neg ef_norm ef_order ef_p2l ef_p2n ef_sub ef_trace ef_unset eighth
eivals eivects ele2comp ele2pui elem elementp ematrix emptyp endcons entier erf erfc erfi errcatch euler ev
evenp every example exp expand expint explose ezgcd facout facsum factcomb factor facts featurep fib fibtophi
fifth first firstn fix flatten flength floor forget fortmx fortran fourth freeof fullmap fullmapl fundef
funmake gauss gcdex gcfactor genfact gensym get gf_add gf_at gf_div gf_eval gf_exp gf_gcd gf_gcdex gf_index
gf_info gf_inv gf_l2n gf_l2p gf_log gf_mult gf_n2l gf_n2p gf_neg gf_norm gf_order gf_p2l gf_p2n gf_set gf_sub
gf_trace gf_unset gfactor go gradef gruntz hankel hankel_1 hankel_2 hermite hessian hgfpoly hgfred hipow
horner hstep ic1 ic2 ident identfor identity ifactors ifs ilt imagpart infix inpart inrt integerp intopois
intosum inv_mod invert is isolate isqrt jacobi jacobi_p jacobian join julia kill kostka laguerre lambda
laplace last lastn lcharp ldefint ldisp ldisplay length let letrules letsimp lfreeof lhs limit linear2
linsimp linsolve listify listp lmax lmin load loadfile local log lopow lpart lreduce lsum lucas makefact
makelist makeset map mapatom maplist mat_cond mat_norm matchfix matrix matrixp max maybe md5sum member min
minor mkey mod moebius multsym multthru nary new newdet newline ninth nofix nounify nroots nterms nthroot
nullity num numberp numerval nusum nzeta nzetai nzetar oddp ode2 op opena openr openw optimize options orbit
orbits outermap pade part partfrac partpol permut pfet playback plog plot2d plot3d plotdf ploteq poisdiff
poisexpt poisint poismap poisplus poissimp polymod polysign pop postfix powerset prefix primep primes print
printf prod prodrac product propvars psubst pui pui2comp pui2ele puireduc push put pwilt qput quad_qag quit
qunit quotient radcan random rank rat ratcoef ratcoeff ratdenom ratdiff ratnum ratnumer ratnump ratp ratsimp
ratsubst read readbyte readchar readline readonly realpart rearray rectform rem remarray rembox remlet remove
remrule remvalue reset residue rest return reveal reverse rhs risch rk romberg room round row rowop rowswap
rreduce save scalarp scanmap scene sconcat scopy scsimp sec sech second sequal set setelmx setify setp
seventh sexplode sha1sum sign signum simplode simtran sin sinh sinsert sixth slength smake solve some somrac
sort specint split sprint sqfr sqrt sremove sreverse ssearch ssort sstatus ssubst status stderr stdin stdout
strim striml strimr string stringp struve_h struve_l sublis sublist subset subsetp subst subvar subvarp sum
supcase symbolp system tab tan tanh taylor taylorp taytorat tellrat tellsimp tenth tex tex1 texend texinit
texput third throw time timedate tldefint tlimit tmlin tmnewdet to_cl to_lisp toeplitz tokens totient
tpartpol trace_it treillis treinat trigrat trigsimp trunc truncate unicode union unique unknown unorder unsum
untimer untrace verbify warning xreduce xthru zero_fun zerofor zn_log zn_order
""".split()
)
"""Maxima's built-in functions (STACK refuses many of them, load, ev and kill among others, in answers)."""


def maxima_name_problem(name: str) -> str:
    """Why name cannot be a variable in a STACK (Maxima) export, or "" when it can."""
    if name in KEYWORDS:
        return "a Maxima keyword"
    if name in CONSTANTS:
        return "a Maxima constant"
    if name in OPTION_VARIABLES:
        return "a Maxima system variable"
    if name in STACK_FORBIDDEN or name in FUNCTIONS:
        return "a Maxima function"
    return ""
