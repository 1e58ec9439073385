//go:build !purego

package dtmf

// goertzelBank is goertzelBankGeneric in SSE2 (part of every amd64): the
// eight recursions run as two 4-lane vectors, and the two half blocks are
// interleaved so that four independent dependency chains keep the
// multiplier and adder busy.
//
//go:noescape
func goertzelBank(x *[blockLen]int16, c *[8]float32, st *bankState)

// halfEnergies returns the sums of squares of the two halves of x.
//
//go:noescape
func halfEnergies(x *[blockLen]int16) (e1, e2 uint64)
