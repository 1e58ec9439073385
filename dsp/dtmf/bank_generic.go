//go:build !amd64 || purego

package dtmf

func goertzelBank(x *[blockLen]int16, c *[8]float32, st *bankState) {
	goertzelBankGeneric(x, c, st)
}

func halfEnergies(x *[blockLen]int16) (e1, e2 uint64) { return halfEnergiesGeneric(x) }
