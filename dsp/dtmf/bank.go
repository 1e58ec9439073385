package dtmf

// goertzelBankGeneric runs the Goertzel recursion s = x + c·s1 - s2 of the
// eight frequencies over each half of x and stores the final (s1, s2)
// pairs in st. It is the portable form of goertzelBank and defines its
// arithmetic: float32, with x - s2 added to c·s1.
func goertzelBankGeneric(x *[blockLen]int16, c *[8]float32, st *bankState) {
	for h := range 2 {
		xs := x[h*halfLen : (h+1)*halfLen]
		var s1, s2 [8]float32
		for g := 0; g < 8; g += 4 {
			c0, c1, c2, c3 := c[g], c[g+1], c[g+2], c[g+3]
			var p0, p1, p2, p3, q0, q1, q2, q3 float32
			for _, v := range xs {
				f := float32(v)
				p0, q0 = c0*p0+(f-q0), p0
				p1, q1 = c1*p1+(f-q1), p1
				p2, q2 = c2*p2+(f-q2), p2
				p3, q3 = c3*p3+(f-q3), p3
			}
			s1[g], s1[g+1], s1[g+2], s1[g+3] = p0, p1, p2, p3
			s2[g], s2[g+1], s2[g+2], s2[g+3] = q0, q1, q2, q3
		}
		if h == 0 {
			st.a1, st.a2 = s1, s2
		} else {
			st.b1, st.b2 = s1, s2
		}
	}
}

// halfEnergiesGeneric returns the sums of squares of the two halves of x.
func halfEnergiesGeneric(x *[blockLen]int16) (e1, e2 uint64) {
	for _, v := range x[:halfLen] {
		e1 += uint64(int64(v) * int64(v))
	}
	for _, v := range x[halfLen:] {
		e2 += uint64(int64(v) * int64(v))
	}
	return e1, e2
}
