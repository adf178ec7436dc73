# Prints "loop of N FMAs" for each single-block loop of an AT&T assembly
# listing (a block whose branch jumps back to its own label) that holds N > 0
# vfmadd231ps instructions.
/^\.LBB/ { label = substr($1, 1, length($1) - 1); fmas = 0; next }
/^\tvfmadd231ps\t/ { fmas++ }
/^\tj[a-z]+\t/ { if ($2 == label && fmas > 0) print "loop of " fmas " FMAs" }
