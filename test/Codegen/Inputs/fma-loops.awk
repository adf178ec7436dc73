# Prints "loop of N FMAs, M zmm copies" for each single-block loop of an
# AT&T assembly listing (a block whose branch jumps back to its own label)
# that holds N > 0 vfmadd231ps instructions and M register-to-register
# moves of zmm registers (the allocator shuffling a tile that did not fit).
/^\.LBB/ { label = substr($1, 1, length($1) - 1); fmas = 0; copies = 0; next }
/^\tvfmadd231ps\t/ { fmas++ }
/^\tvmovaps\t%zmm[0-9]+, %zmm[0-9]+$/ { copies++ }
/^\tj[a-z]+\t/ {
  if ($2 == label && fmas > 0)
    print "loop of " fmas " FMAs, " copies " zmm copies"
}
