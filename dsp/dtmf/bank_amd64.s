//go:build !purego

#include "textflag.h"

// func goertzelBank(x *[102]int16, c *[8]float32, st *bankState)
//
// The block is first converted to float32 in the frame (8 samples per
// step), so the recursion loop only loads and broadcasts.
TEXT ·goertzelBank(SB), NOSPLIT, $416-24
	MOVQ x+0(FP), SI
	MOVQ c+8(FP), DX
	MOVQ st+16(FP), DI

	XORQ BX, BX
	MOVQ $12, CX

conv:
	MOVOU (SI)(BX*2), X0
	MOVO X0, X1
	PUNPCKLWL X0, X1
	PUNPCKHWL X0, X0
	PSRAL $16, X1
	PSRAL $16, X0
	CVTPL2PS X1, X1
	CVTPL2PS X0, X0
	MOVUPS X1, (SP)(BX*4)
	MOVUPS X0, 16(SP)(BX*4)
	ADDQ $8, BX
	DECQ CX
	JNZ conv

	MOVWLSX 192(SI), AX
	CVTSL2SS AX, X0
	MOVSS X0, 384(SP)
	MOVWLSX 194(SI), AX
	CVTSL2SS AX, X0
	MOVSS X0, 388(SP)
	MOVWLSX 196(SI), AX
	CVTSL2SS AX, X0
	MOVSS X0, 392(SP)
	MOVWLSX 198(SI), AX
	CVTSL2SS AX, X0
	MOVSS X0, 396(SP)
	MOVWLSX 200(SI), AX
	CVTSL2SS AX, X0
	MOVSS X0, 400(SP)
	MOVWLSX 202(SI), AX
	CVTSL2SS AX, X0
	MOVSS X0, 404(SP)

	MOVUPS 0(DX), X12
	MOVUPS 16(DX), X13
	XORPS X2, X2
	XORPS X3, X3
	XORPS X4, X4
	XORPS X5, X5
	XORPS X6, X6
	XORPS X7, X7
	XORPS X8, X8
	XORPS X9, X9
	XORQ BX, BX
	MOVQ $51, CX

loop:
	// X0 = first-half sample, X1 = second-half sample, in every lane.
	MOVSS (SP)(BX*4), X0
	MOVSS 204(SP)(BX*4), X1
	SHUFPS $0, X0, X0
	SHUFPS $0, X1, X1

	// First half, rows (X2 s1, X4 s2) and columns (X3 s1, X5 s2):
	// s2' = s1, s1' = c*s1 + (x - s2).
	MOVAPS X0, X10
	SUBPS X4, X10
	MOVAPS X2, X4
	MULPS X12, X2
	ADDPS X10, X2
	MOVAPS X0, X11
	SUBPS X5, X11
	MOVAPS X3, X5
	MULPS X13, X3
	ADDPS X11, X3

	// Second half, rows (X6 s1, X8 s2) and columns (X7 s1, X9 s2).
	MOVAPS X1, X10
	SUBPS X8, X10
	MOVAPS X6, X8
	MULPS X12, X6
	ADDPS X10, X6
	MOVAPS X1, X11
	SUBPS X9, X11
	MOVAPS X7, X9
	MULPS X13, X7
	ADDPS X11, X7

	INCQ BX
	DECQ CX
	JNZ loop

	MOVUPS X2, 0(DI)
	MOVUPS X3, 16(DI)
	MOVUPS X4, 32(DI)
	MOVUPS X5, 48(DI)
	MOVUPS X6, 64(DI)
	MOVUPS X7, 80(DI)
	MOVUPS X8, 96(DI)
	MOVUPS X9, 112(DI)
	RET

// func halfEnergies(x *[102]int16) (e1, e2 uint64)
TEXT ·halfEnergies(SB), NOSPLIT, $0-24
	MOVQ x+0(FP), SI
	PXOR X7, X7
	MOVQ SI, DI
	CALL sumsq51<>(SB)
	MOVQ AX, e1+8(FP)
	LEAQ 102(SI), DI
	CALL sumsq51<>(SB)
	MOVQ AX, e2+16(FP)
	RET

// sumsq51 returns in AX the sum of squares of the 51 int16 at DI; X7 must
// be zero. PMADDWL adds two squares into a dword, which can reach 2^31
// and so is widened as unsigned.
TEXT sumsq51<>(SB), NOSPLIT, $0-0
	PXOR X0, X0
	MOVQ $6, CX
	MOVQ DI, R8

sumloop:
	MOVOU (R8), X1
	PMADDWL X1, X1
	MOVO X1, X2
	PUNPCKLLQ X7, X1
	PUNPCKHLQ X7, X2
	PADDQ X1, X0
	PADDQ X2, X0
	ADDQ $16, R8
	DECQ CX
	JNZ sumloop

	MOVQ X0, AX
	PSRLDQ $8, X0
	MOVQ X0, BX
	ADDQ BX, AX
	MOVWQSX 96(DI), BX
	IMULQ BX, BX
	ADDQ BX, AX
	MOVWQSX 98(DI), BX
	IMULQ BX, BX
	ADDQ BX, AX
	MOVWQSX 100(DI), BX
	IMULQ BX, BX
	ADDQ BX, AX
	RET
