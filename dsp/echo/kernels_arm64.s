//go:build !purego

#include "textflag.h"

// NEON (ASIMD) kernels; see kernels_arm64.go. The Go assembler has no
// mnemonics for the vector floating-point add, subtract and multiply, so
// they are encoded here (ARMv8 A64: FADD/FSUB/FMUL (vector), 4S).
// VFADD(m, n, d): Vd = Vn + Vm; VFSUB: Vd = Vn - Vm; VFMUL: Vd = Vn * Vm.
#define VFADD(m, n, d) WORD $(0x4E20D400 | ((m)<<16) | ((n)<<5) | (d))
#define VFSUB(m, n, d) WORD $(0x4EA0D400 | ((m)<<16) | ((n)<<5) | (d))
#define VFMUL(m, n, d) WORD $(0x6E20DC00 | ((m)<<16) | ((n)<<5) | (d))
// VFDIV(m, n, d): Vd = Vn / Vm; VFADDP: pairwise add of Vn:Vm into Vd.
#define VFDIV(m, n, d) WORD $(0x6E20FC00 | ((m)<<16) | ((n)<<5) | (d))
#define VFADDP(m, n, d) WORD $(0x6E20D400 | ((m)<<16) | ((n)<<5) | (d))
// VSXTL(n, d): Vd.4S = sign-extended lower four halfwords of Vn (SSHLL
// #0); VSXTL2 the upper four; VSCVTF(n, d): Vd.4S = float32(Vn.4S).
#define VSXTL(n, d) WORD $(0x0F10A400 | ((n)<<5) | (d))
#define VSXTL2(n, d) WORD $(0x4F10A400 | ((n)<<5) | (d))
#define VSCVTF(n, d) WORD $(0x4E21D800 | ((n)<<5) | (d))
// VFMIN/VFMAX(m, n, d): Vd = min/max(Vn, Vm); VFCVTZS(n, d): Vd.4S =
// int32(Vn.4S), truncating.
#define VFMIN(m, n, d) WORD $(0x4EA0F400 | ((m)<<16) | ((n)<<5) | (d))
#define VFMAX(m, n, d) WORD $(0x4E20F400 | ((m)<<16) | ((n)<<5) | (d))
#define VFCVTZS(n, d) WORD $(0x4EA1B800 | ((n)<<5) | (d))

// Offsets into fftTables (pinned by TestTableLayout): twr 0, twi 224,
// spr 448, spi 580, sqrtHalf 712, half 716, scale 720, negScale 724,
// rev 728, maxS16 760, minS16 764, signBit 768.

// The 64-point FFT works on the 8×8 matrix of rows of eight (see fft.go)
// four columns at a time: the eight rows of a half fit in V0..V7 (real)
// and V8..V15 (imaginary).

// DFT8 computes an 8-point DFT down four columns: rows a = 0..7 in
// V(a) (real) and V(8+a) (imaginary) become outputs c = 0..7 in the same
// registers (radix-2 decimation in frequency as in dft8Cols). R9 points at
// sqrt(1/2); V16..V31 are scratch.
#define DFT8 \
	VFADD(4, 0, 16); \
	VFADD(12, 8, 20); \
	VFADD(5, 1, 17); \
	VFADD(13, 9, 21); \
	VFADD(6, 2, 18); \
	VFADD(14, 10, 22); \
	VFADD(7, 3, 19); \
	VFADD(15, 11, 23); \
	VFSUB(4, 0, 24); \
	VFSUB(12, 8, 28); \
	VFSUB(5, 1, 25); \
	VFSUB(13, 9, 29); \
	VFSUB(14, 10, 26); \
	VFSUB(2, 6, 30); \
	VFSUB(3, 7, 27); \
	VFSUB(15, 11, 31); \
	VLD1R (R9), [V15.S4]; \
	VFADD(29, 25, 0); \
	VFSUB(25, 29, 1); \
	VFMUL(15, 0, 25); \
	VFMUL(15, 1, 29); \
	VFADD(27, 31, 0); \
	VFSUB(31, 27, 1); \
	VFMUL(15, 0, 27); \
	VFMUL(15, 1, 31); \
	VFADD(18, 16, 1); \
	VFADD(22, 20, 9); \
	VFSUB(18, 16, 18); \
	VFSUB(22, 20, 22); \
	VFADD(19, 17, 3); \
	VFADD(23, 21, 11); \
	VFSUB(23, 21, 5); \
	VFSUB(17, 19, 13); \
	VFADD(3, 1, 0); \
	VFADD(11, 9, 8); \
	VFSUB(3, 1, 4); \
	VFSUB(11, 9, 12); \
	VFADD(5, 18, 2); \
	VFADD(13, 22, 10); \
	VFSUB(5, 18, 6); \
	VFSUB(13, 22, 14); \
	VFADD(26, 24, 16); \
	VFADD(30, 28, 20); \
	VFSUB(26, 24, 26); \
	VFSUB(30, 28, 30); \
	VFADD(27, 25, 17); \
	VFADD(31, 29, 21); \
	VFSUB(31, 29, 18); \
	VFSUB(25, 27, 22); \
	VFADD(17, 16, 1); \
	VFADD(21, 20, 9); \
	VFSUB(17, 16, 5); \
	VFSUB(21, 20, 13); \
	VFADD(18, 26, 3); \
	VFADD(22, 30, 11); \
	VFSUB(18, 26, 7); \
	VFSUB(22, 30, 15)

// LOADCOLS loads columns 4h..4h+3 of the rows of re (R0) and im (R1).
#define LOADCOLS(h) \
	FMOVQ (0*32+h*16)(R0), F0; FMOVQ (0*32+h*16)(R1), F8; \
	FMOVQ (1*32+h*16)(R0), F1; FMOVQ (1*32+h*16)(R1), F9; \
	FMOVQ (2*32+h*16)(R0), F2; FMOVQ (2*32+h*16)(R1), F10; \
	FMOVQ (3*32+h*16)(R0), F3; FMOVQ (3*32+h*16)(R1), F11; \
	FMOVQ (4*32+h*16)(R0), F4; FMOVQ (4*32+h*16)(R1), F12; \
	FMOVQ (5*32+h*16)(R0), F5; FMOVQ (5*32+h*16)(R1), F13; \
	FMOVQ (6*32+h*16)(R0), F6; FMOVQ (6*32+h*16)(R1), F14; \
	FMOVQ (7*32+h*16)(R0), F7; FMOVQ (7*32+h*16)(R1), F15

// STORECOL stores output c (FR, FI) to row c, columns 4h..4h+3.
#define STORECOL(c, h, FR, FI) \
	FMOVQ FR, (c*32+h*16)(R0); \
	FMOVQ FI, (c*32+h*16)(R1)

// TWSTORE multiplies output c (registers r, i; XR/XI their names) by
// W64^(b·c) for columns b = 4h..4h+3 (tables at R8) and stores it to row c.
#define TWSTORE(c, h, r, i, XR, XI) \
	FMOVQ ((c-1)*32+h*16)(R8), F16; \
	FMOVQ (224+(c-1)*32+h*16)(R8), F17; \
	VFMUL(16, r, 18); \
	VFMLS V17.S4, XI.S4, V18.S4; \
	VFMUL(16, i, 19); \
	VFMLA V17.S4, XR.S4, V19.S4; \
	FMOVQ F18, (c*32+h*16)(R0); \
	FMOVQ F19, (c*32+h*16)(R1)

// TR4 transposes the 4×4 block in R0..R3 (T0..T3 scratch).
#define TR4(R0_, R1_, R2_, R3_, T0, T1, T2, T3) \
	VTRN1 R1_.S4, R0_.S4, T0.S4; \
	VTRN2 R1_.S4, R0_.S4, T1.S4; \
	VTRN1 R3_.S4, R2_.S4, T2.S4; \
	VTRN2 R3_.S4, R2_.S4, T3.S4; \
	VTRN1 T2.D2, T0.D2, R0_.D2; \
	VTRN2 T2.D2, T0.D2, R2_.D2; \
	VTRN1 T3.D2, T1.D2, R1_.D2; \
	VTRN2 T3.D2, T1.D2, R3_.D2

// TRANSPOSE transposes the 8×8 matrix at M as four 4×4 blocks.
#define TRANSPOSE(M) \
	FLDPQ (0*32)(M), (F0, F8); \
	FLDPQ (1*32)(M), (F1, F9); \
	FLDPQ (2*32)(M), (F2, F10); \
	FLDPQ (3*32)(M), (F3, F11); \
	FLDPQ (4*32)(M), (F4, F12); \
	FLDPQ (5*32)(M), (F5, F13); \
	FLDPQ (6*32)(M), (F6, F14); \
	FLDPQ (7*32)(M), (F7, F15); \
	TR4(V0, V1, V2, V3, V16, V17, V18, V19); \
	TR4(V8, V9, V10, V11, V16, V17, V18, V19); \
	TR4(V4, V5, V6, V7, V16, V17, V18, V19); \
	TR4(V12, V13, V14, V15, V16, V17, V18, V19); \
	FSTPQ (F0, F4), (0*32)(M); \
	FSTPQ (F8, F12), (4*32)(M); \
	FSTPQ (F1, F5), (1*32)(M); \
	FSTPQ (F9, F13), (5*32)(M); \
	FSTPQ (F2, F6), (2*32)(M); \
	FSTPQ (F10, F14), (6*32)(M); \
	FSTPQ (F3, F7), (3*32)(M); \
	FSTPQ (F11, F15), (7*32)(M)

// func fft64NEON(re, im *[64]float32)
TEXT ·fft64NEON(SB), NOSPLIT, $0-16
	MOVD re+0(FP), R0
	MOVD im+8(FP), R1
	MOVD ·tables(SB), R8
	ADD  $712, R8, R9
	// Column DFTs and twiddles, columns 0..3.
	LOADCOLS(0)
	DFT8
	STORECOL(0, 0, F0, F8)
	TWSTORE(1, 0, 1, 9, V1, V9)
	TWSTORE(2, 0, 2, 10, V2, V10)
	TWSTORE(3, 0, 3, 11, V3, V11)
	TWSTORE(4, 0, 4, 12, V4, V12)
	TWSTORE(5, 0, 5, 13, V5, V13)
	TWSTORE(6, 0, 6, 14, V6, V14)
	TWSTORE(7, 0, 7, 15, V7, V15)
	// Column DFTs and twiddles, columns 4..7.
	LOADCOLS(1)
	DFT8
	STORECOL(0, 1, F0, F8)
	TWSTORE(1, 1, 1, 9, V1, V9)
	TWSTORE(2, 1, 2, 10, V2, V10)
	TWSTORE(3, 1, 3, 11, V3, V11)
	TWSTORE(4, 1, 4, 12, V4, V12)
	TWSTORE(5, 1, 5, 13, V5, V13)
	TWSTORE(6, 1, 6, 14, V6, V14)
	TWSTORE(7, 1, 7, 15, V7, V15)
	// Transpose the real and the imaginary matrix.
	TRANSPOSE(R0)
	TRANSPOSE(R1)
	// Column DFTs again, columns 0..3: rows in natural order.
	LOADCOLS(0)
	DFT8
	STORECOL(0, 0, F0, F8)
	STORECOL(1, 0, F1, F9)
	STORECOL(2, 0, F2, F10)
	STORECOL(3, 0, F3, F11)
	STORECOL(4, 0, F4, F12)
	STORECOL(5, 0, F5, F13)
	STORECOL(6, 0, F6, F14)
	STORECOL(7, 0, F7, F15)
	// Column DFTs again, columns 4..7: rows in natural order.
	LOADCOLS(1)
	DFT8
	STORECOL(0, 1, F0, F8)
	STORECOL(1, 1, F1, F9)
	STORECOL(2, 1, F2, F10)
	STORECOL(3, 1, F3, F11)
	STORECOL(4, 1, F4, F12)
	STORECOL(5, 1, F5, F13)
	STORECOL(6, 1, F6, F14)
	STORECOL(7, 1, F7, F15)
	RET

// func deintNEON(zr, zi *[64]float32, x *[128]float32)
TEXT ·deintNEON(SB), NOSPLIT, $0-24
	MOVD zr+0(FP), R0
	MOVD zi+8(FP), R1
	MOVD x+16(FP), R2
	MOVD $16, R3

deintLoop:
	VLD2.P 32(R2), [V0.S4, V1.S4]
	VST1.P [V0.S4], 16(R0)
	VST1.P [V1.S4], 16(R1)
	SUBS $1, R3, R3
	BNE  deintLoop
	RET

// func interleaveNEON(x *[128]float32, zr, zi *[64]float32)
TEXT ·interleaveNEON(SB), NOSPLIT, $0-24
	MOVD x+0(FP), R0
	MOVD zr+8(FP), R1
	MOVD zi+16(FP), R2
	MOVD ·tables(SB), R8
	ADD  $720, R8, R9
	VLD1R (R9), [V30.S4]
	ADD  $724, R8, R9
	VLD1R (R9), [V31.S4]
	MOVD $16, R3

interleaveLoop:
	VLD1.P 16(R1), [V0.S4]
	VLD1.P 16(R2), [V1.S4]
	VFMUL(30, 0, 0)
	VFMUL(31, 1, 1)
	VST2.P [V0.S4, V1.S4], 32(R0)
	SUBS $1, R3, R3
	BNE  interleaveLoop
	RET

// REV4 reverses the four lanes of V (register number v).
#define REV4(V) \
	VREV64 V.S4, V.S4; \
	VEXT   $8, V.B16, V.B16, V.B16

// SPLITGROUP handles bins k = k0..k0+3 and j = 64-k, whose block starts at
// j0 = 61-k0 (Z at R1/R2, packed spectrum out at R0, tables at R8,
// V31 = 0.5).
#define SPLITGROUP(k0, j0) \
	FMOVQ (k0*4)(R1), F0; \
	FMOVQ (k0*4)(R2), F1; \
	FMOVQ (j0*4)(R1), F2; \
	FMOVQ (j0*4)(R2), F3; \
	REV4(V2); \
	REV4(V3); \
	VFADD(2, 0, 4); VFMUL(31, 4, 4); \
	VFSUB(3, 1, 5); VFMUL(31, 5, 5); \
	VFADD(3, 1, 6); VFMUL(31, 6, 6); \
	VFSUB(0, 2, 7); VFMUL(31, 7, 7); \
	FMOVQ (448+k0*4)(R8), F16; \
	FMOVQ (580+k0*4)(R8), F17; \
	VFMUL(16, 6, 8); VFMLS V17.S4, V7.S4, V8.S4; \
	VFMUL(16, 7, 9); VFMLA V17.S4, V6.S4, V9.S4; \
	VFADD(8, 4, 10); VFADD(9, 5, 11); \
	FMOVQ F10, (k0*4)(R0); \
	FMOVQ F11, (256+k0*4)(R0); \
	VFSUB(8, 4, 10); VFSUB(5, 9, 11); \
	REV4(V10); \
	REV4(V11); \
	FMOVQ F10, (j0*4)(R0); \
	FMOVQ F11, (256+j0*4)(R0)

// func splitNEON(out *[128]float32, zr, zi *[64]float32)
TEXT ·splitNEON(SB), NOSPLIT, $0-24
	MOVD out+0(FP), R0
	MOVD zr+8(FP), R1
	MOVD zi+16(FP), R2
	MOVD ·tables(SB), R8
	ADD  $716, R8, R9
	VLD1R (R9), [V31.S4]
	FMOVS (R1), F0
	FMOVS (R2), F1
	FADDS F1, F0, F2
	FSUBS F1, F0, F3
	FMOVS F2, (R0)
	FMOVS F3, 256(R0)
	SPLITGROUP(1, 60)
	SPLITGROUP(5, 56)
	SPLITGROUP(9, 52)
	SPLITGROUP(13, 48)
	SPLITGROUP(17, 44)
	SPLITGROUP(21, 40)
	SPLITGROUP(25, 36)
	SPLITGROUP(29, 32)
	RET

// UNSPLITGROUP is the inverse step for bins k0..k0+3 (spectrum at R0, Z
// out to R1/R2).
#define UNSPLITGROUP(k0, j0) \
	FMOVQ (k0*4)(R0), F0; \
	FMOVQ (256+k0*4)(R0), F1; \
	FMOVQ (j0*4)(R0), F2; \
	FMOVQ (256+j0*4)(R0), F3; \
	REV4(V2); \
	REV4(V3); \
	VFADD(2, 0, 4); \
	VFSUB(3, 1, 5); \
	VFSUB(1, 3, 12); \
	VFSUB(2, 0, 6); \
	VFADD(3, 1, 7); \
	FMOVQ (448+k0*4)(R8), F16; \
	FMOVQ (580+k0*4)(R8), F17; \
	VFMUL(16, 6, 8); VFMLA V17.S4, V7.S4, V8.S4; \
	VFMUL(16, 7, 9); VFMLS V17.S4, V6.S4, V9.S4; \
	VFSUB(9, 4, 10); VFSUB(8, 12, 11); \
	FMOVQ F10, (k0*4)(R1); \
	FMOVQ F11, (k0*4)(R2); \
	VFADD(9, 4, 10); VFSUB(8, 5, 11); \
	REV4(V10); \
	REV4(V11); \
	FMOVQ F10, (j0*4)(R1); \
	FMOVQ F11, (j0*4)(R2)

// func unsplitNEON(zr, zi *[64]float32, in *[128]float32)
TEXT ·unsplitNEON(SB), NOSPLIT, $0-24
	MOVD zr+0(FP), R1
	MOVD zi+8(FP), R2
	MOVD in+16(FP), R0
	MOVD ·tables(SB), R8
	FMOVS (R0), F0
	FMOVS 256(R0), F1
	FADDS F1, F0, F2
	FSUBS F0, F1, F3
	FMOVS F2, (R1)
	FMOVS F3, (R2)
	UNSPLITGROUP(1, 60)
	UNSPLITGROUP(5, 56)
	UNSPLITGROUP(9, 52)
	UNSPLITGROUP(13, 48)
	UNSPLITGROUP(17, 44)
	UNSPLITGROUP(21, 40)
	UNSPLITGROUP(25, 36)
	UNSPLITGROUP(29, 32)
	RET

// func mac2NEON(yb, yf *[128]float32, x, wb, wf []float32)
// For 8 bins at a time, sums the products over all partitions in
// registers.
TEXT ·mac2NEON(SB), NOSPLIT, $0-88
	MOVD yb+0(FP), R10
	MOVD yf+8(FP), R11
	MOVD x_base+16(FP), R12
	MOVD wb_base+40(FP), R13
	MOVD wb_len+48(FP), R14
	MOVD wf_base+64(FP), R15
	LSR  $7, R14, R14      // partitions
	MOVD $0, R6            // byte offset of the 8-bin group

mac2Group:
	VEOR V0.B16, V0.B16, V0.B16
	VEOR V1.B16, V1.B16, V1.B16
	VEOR V2.B16, V2.B16, V2.B16
	VEOR V3.B16, V3.B16, V3.B16
	VEOR V4.B16, V4.B16, V4.B16
	VEOR V5.B16, V5.B16, V5.B16
	VEOR V6.B16, V6.B16, V6.B16
	VEOR V7.B16, V7.B16, V7.B16
	ADD  R6, R12, R3
	ADD  R6, R13, R4
	ADD  R6, R15, R5
	MOVD R14, R7
	CBZ  R7, mac2Store

mac2Part:
	FLDPQ (R3), (F16, F17)
	FLDPQ 256(R3), (F18, F19)
	FLDPQ (R4), (F20, F21)
	FLDPQ 256(R4), (F22, F23)
	FLDPQ (R5), (F24, F25)
	FLDPQ 256(R5), (F26, F27)
	VFMLA V20.S4, V16.S4, V0.S4
	VFMLS V22.S4, V18.S4, V0.S4
	VFMLA V21.S4, V17.S4, V1.S4
	VFMLS V23.S4, V19.S4, V1.S4
	VFMLA V22.S4, V16.S4, V2.S4
	VFMLA V20.S4, V18.S4, V2.S4
	VFMLA V23.S4, V17.S4, V3.S4
	VFMLA V21.S4, V19.S4, V3.S4
	VFMLA V24.S4, V16.S4, V4.S4
	VFMLS V26.S4, V18.S4, V4.S4
	VFMLA V25.S4, V17.S4, V5.S4
	VFMLS V27.S4, V19.S4, V5.S4
	VFMLA V26.S4, V16.S4, V6.S4
	VFMLA V24.S4, V18.S4, V6.S4
	VFMLA V27.S4, V17.S4, V7.S4
	VFMLA V25.S4, V19.S4, V7.S4
	ADD  $512, R3, R3
	ADD  $512, R4, R4
	ADD  $512, R5, R5
	SUBS $1, R7, R7
	BNE  mac2Part

mac2Store:
	ADD   R6, R10, R3
	ADD   R6, R11, R4
	FSTPQ (F0, F1), (R3)
	FSTPQ (F2, F3), 256(R3)
	FSTPQ (F4, F5), (R4)
	FSTPQ (F6, F7), 256(R4)
	ADD  $32, R6, R6
	CMP  $256, R6
	BLT  mac2Group
	RET

// func updateNEON(w, x []float32, gs *[128]float32)
// w[p] += conj(x[p])·gs for every partition, 8 bins at a time.
TEXT ·updateNEON(SB), NOSPLIT, $0-56
	MOVD w_base+0(FP), R10
	MOVD w_len+8(FP), R14
	MOVD x_base+24(FP), R12
	MOVD gs+48(FP), R11
	LSR  $7, R14, R14
	MOVD $0, R6

updateGroup:
	ADD   R6, R11, R3
	FLDPQ (R3), (F20, F21)       // gr
	FLDPQ 256(R3), (F22, F23)    // gi
	ADD   R6, R10, R4
	ADD   R6, R12, R5
	MOVD  R14, R7
	CBZ   R7, updateNext

updatePart:
	FLDPQ (R5), (F16, F17)       // xr
	FLDPQ 256(R5), (F18, F19)    // xi
	FLDPQ (R4), (F0, F1)         // wr
	FLDPQ 256(R4), (F2, F3)      // wi
	VFMLA V20.S4, V16.S4, V0.S4  // wr += xr·gr + xi·gi
	VFMLA V22.S4, V18.S4, V0.S4
	VFMLA V21.S4, V17.S4, V1.S4
	VFMLA V23.S4, V19.S4, V1.S4
	VFMLA V22.S4, V16.S4, V2.S4  // wi += xr·gi - xi·gr
	VFMLS V20.S4, V18.S4, V2.S4
	VFMLA V23.S4, V17.S4, V3.S4
	VFMLS V21.S4, V19.S4, V3.S4
	FSTPQ (F0, F1), (R4)
	FSTPQ (F2, F3), 256(R4)
	ADD   $512, R4, R4
	ADD   $512, R5, R5
	SUBS  $1, R7, R7
	BNE   updatePart

updateNext:
	ADD  $32, R6, R6
	CMP  $256, R6
	BLT  updateGroup
	RET


// func toneCorrNEON(x *[32]int16, cs, sn *[32]float32) (zr, zi, en float32)
TEXT ·toneCorrNEON(SB), NOSPLIT, $0-36
	MOVD x+0(FP), R0
	MOVD cs+8(FP), R1
	MOVD sn+16(FP), R2
	VEOR V20.B16, V20.B16, V20.B16
	VEOR V21.B16, V21.B16, V21.B16
	VEOR V22.B16, V22.B16, V22.B16
	MOVD $4, R3

toneLoop:
	VLD1.P 16(R0), [V0.H8]
	VSXTL(0, 1)
	VSXTL2(0, 2)
	VSCVTF(1, 1)
	VSCVTF(2, 2)
	VLD1.P 32(R1), [V3.S4, V4.S4]
	VLD1.P 32(R2), [V5.S4, V6.S4]
	VFMLA V3.S4, V1.S4, V20.S4
	VFMLA V4.S4, V2.S4, V20.S4
	VFMLA V5.S4, V1.S4, V21.S4
	VFMLA V6.S4, V2.S4, V21.S4
	VFMLA V1.S4, V1.S4, V22.S4
	VFMLA V2.S4, V2.S4, V22.S4
	SUBS $1, R3, R3
	BNE  toneLoop
	VFADDP(20, 20, 20)
	VFADDP(20, 20, 20)
	VFADDP(21, 21, 21)
	VFADDP(21, 21, 21)
	VFADDP(22, 22, 22)
	VFADDP(22, 22, 22)
	FMOVS F20, zr+24(FP)
	FMOVS F21, zi+28(FP)
	FMOVS F22, en+32(FP)
	RET

// func powUpdateNEON(dsum, pw *[65]float32, x *[128]float32)
TEXT ·powUpdateNEON(SB), NOSPLIT, $0-24
	MOVD dsum+0(FP), R0
	MOVD pw+8(FP), R1
	MOVD x+16(FP), R2
	MOVD $8, R3

powLoop:
	FLDPQ (R2), (F0, F1)
	FLDPQ 256(R2), (F2, F3)
	VFMUL(0, 0, 4)
	VFMUL(1, 1, 5)
	VFMLA V2.S4, V2.S4, V4.S4    // p = re² + im²
	VFMLA V3.S4, V3.S4, V5.S4
	FLDPQ (R1), (F6, F7)
	FLDPQ (R0), (F16, F17)
	VFSUB(6, 4, 6)               // p - pw
	VFSUB(7, 5, 7)
	VFADD(6, 16, 16)
	VFADD(7, 17, 17)
	FSTPQ (F4, F5), (R1)
	FSTPQ (F16, F17), (R0)
	ADD  $32, R0, R0
	ADD  $32, R1, R1
	ADD  $32, R2, R2
	SUBS $1, R3, R3
	BNE  powLoop
	RET

// func normalizeNEON(grad *[128]float32, dsum *[65]float32, mu, delta float32)
TEXT ·normalizeNEON(SB), NOSPLIT, $0-24
	MOVD  grad+0(FP), R0
	MOVD  dsum+8(FP), R1
	FMOVS mu+16(FP), F30
	FMOVS delta+20(FP), F31
	VDUP  V30.S[0], V30.S4
	VDUP  V31.S[0], V31.S4
	MOVD  $8, R3

normLoop:
	FLDPQ (R1), (F0, F1)
	VFADD(31, 0, 0)
	VFADD(31, 1, 1)
	VFDIV(0, 30, 0)              // mu / (dsum + delta)
	VFDIV(1, 30, 1)
	FLDPQ (R0), (F2, F3)
	FLDPQ 256(R0), (F4, F5)
	VFMUL(0, 2, 2)
	VFMUL(1, 3, 3)
	VFMUL(0, 4, 4)
	VFMUL(1, 5, 5)
	FSTPQ (F2, F3), (R0)
	FSTPQ (F4, F5), 256(R0)
	ADD  $32, R0, R0
	ADD  $32, R1, R1
	SUBS $1, R3, R3
	BNE  normLoop
	RET

// func quantizeNEON(out *[64]int16, x *[64]float32)
// The operations of sat16, four lanes at a time: add ±0.5, clamp to the
// int16 range, truncate, keep the low halfwords.
TEXT ·quantizeNEON(SB), NOSPLIT, $0-16
	MOVD out+0(FP), R0
	MOVD x+8(FP), R1
	MOVD ·tables(SB), R8
	ADD  $716, R8, R9
	VLD1R (R9), [V28.S4]         // 0.5
	ADD  $768, R8, R9
	VLD1R (R9), [V29.S4]         // sign bit
	ADD  $760, R8, R9
	VLD1R (R9), [V30.S4]         // 32767
	ADD  $764, R8, R9
	VLD1R (R9), [V31.S4]         // -32768
	MOVD $8, R3

quantLoop:
	FLDPQ (R1), (F0, F1)
	VAND V29.B16, V0.B16, V2.B16
	VAND V29.B16, V1.B16, V3.B16
	VORR V28.B16, V2.B16, V2.B16
	VORR V28.B16, V3.B16, V3.B16
	VFADD(2, 0, 0)
	VFADD(3, 1, 1)
	VFMIN(30, 0, 0)
	VFMIN(30, 1, 1)
	VFMAX(31, 0, 0)
	VFMAX(31, 1, 1)
	VFCVTZS(0, 0)
	VFCVTZS(1, 1)
	VUZP1 V1.H8, V0.H8, V2.H8
	VST1.P [V2.H8], 16(R0)
	ADD  $32, R1, R1
	SUBS $1, R3, R3
	BNE  quantLoop
	RET

// func errStatsNEON(eb, ef, s, yb, yf *[64]float32) (see, sff, syb, syf, dbf, sd float32)
TEXT ·errStatsNEON(SB), NOSPLIT, $0-64
	MOVD eb+0(FP), R0
	MOVD ef+8(FP), R1
	MOVD s+16(FP), R2
	MOVD yb+24(FP), R3
	MOVD yf+32(FP), R4
	VEOR V0.B16, V0.B16, V0.B16  // see
	VEOR V1.B16, V1.B16, V1.B16  // sff
	VEOR V2.B16, V2.B16, V2.B16  // syb
	VEOR V3.B16, V3.B16, V3.B16  // syf
	VEOR V4.B16, V4.B16, V4.B16  // dbf
	VEOR V5.B16, V5.B16, V5.B16  // sd
	MOVD $16, R5

errLoop:
	VLD1.P 16(R2), [V6.S4]       // s
	VLD1.P 16(R3), [V7.S4]       // yb
	VLD1.P 16(R4), [V8.S4]       // yf
	VFSUB(7, 6, 9)               // eb
	VFSUB(8, 6, 10)              // ef
	VFSUB(8, 7, 11)              // yb - yf
	VST1.P [V9.S4], 16(R0)
	VST1.P [V10.S4], 16(R1)
	VFMLA V9.S4, V9.S4, V0.S4
	VFMLA V10.S4, V10.S4, V1.S4
	VFMLA V7.S4, V7.S4, V2.S4
	VFMLA V8.S4, V8.S4, V3.S4
	VFMLA V11.S4, V11.S4, V4.S4
	VFMLA V6.S4, V6.S4, V5.S4
	SUBS $1, R5, R5
	BNE  errLoop

	// Horizontal sums: V0 = see, sff, syb, syf; V4 = dbf, sd, dbf, sd.
	VFADDP(1, 0, 0)
	VFADDP(3, 2, 2)
	VFADDP(5, 4, 4)
	VFADDP(2, 0, 0)
	VFADDP(4, 4, 4)
	MOVD $see+40(FP), R6
	VST1 [V0.S4], (R6)
	MOVD $dbf+56(FP), R6
	VST1 [V4.D1], (R6)
	RET
