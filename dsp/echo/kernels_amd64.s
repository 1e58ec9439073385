//go:build !purego

#include "textflag.h"

// AVX2+FMA kernels; see kernels_amd64.go.
// Offsets into fftTables (pinned by TestTableLayout): twr 0, twi 224,
// spr 448, spi 580, sqrtHalf 712, half 716, scale 720, negScale 724,
// rev 728, maxS16 760, minS16 764, signBit 768.

// FFT rows are 8 floats (32 bytes). Pass 1 of an 8-point DFT down the
// columns: rows j and j+4 of (SR, SI) become u = x[j]+x[j+4] (row j of
// (DR, DI)) and v = (x[j]-x[j+4])·W8^j (row j+4). Y15 holds sqrt(1/2).
#define LOADPAIR(SR, SI, j) \
	VMOVUPS (j*32)(SR), Y0; \
	VMOVUPS ((j+4)*32)(SR), Y1; \
	VMOVUPS (j*32)(SI), Y2; \
	VMOVUPS ((j+4)*32)(SI), Y3; \
	VADDPS  Y1, Y0, Y4; \
	VADDPS  Y3, Y2, Y6

#define STOREPAIR(DR, DI, j, VR, VI) \
	VMOVUPS Y4, (j*32)(DR); \
	VMOVUPS Y6, (j*32)(DI); \
	VMOVUPS VR, ((j+4)*32)(DR); \
	VMOVUPS VI, ((j+4)*32)(DI)

#define PASS1(SR, SI, DR, DI) \
	LOADPAIR(SR, SI, 0); \
	VSUBPS  Y1, Y0, Y5; \
	VSUBPS  Y3, Y2, Y7; \
	STOREPAIR(DR, DI, 0, Y5, Y7); \
	LOADPAIR(SR, SI, 1); \
	VSUBPS  Y1, Y0, Y5; \
	VSUBPS  Y3, Y2, Y7; \
	VADDPS  Y7, Y5, Y8; \
	VSUBPS  Y5, Y7, Y9; \
	VMULPS  Y15, Y8, Y8; \
	VMULPS  Y15, Y9, Y9; \
	STOREPAIR(DR, DI, 1, Y8, Y9); \
	LOADPAIR(SR, SI, 2); \
	VSUBPS  Y3, Y2, Y5; \
	VSUBPS  Y0, Y1, Y7; \
	STOREPAIR(DR, DI, 2, Y5, Y7); \
	LOADPAIR(SR, SI, 3); \
	VSUBPS  Y0, Y1, Y8; \
	VSUBPS  Y3, Y2, Y7; \
	VADDPS  Y8, Y7, Y5; \
	VSUBPS  Y7, Y8, Y9; \
	VMULPS  Y15, Y5, Y5; \
	VMULPS  Y15, Y9, Y9; \
	STOREPAIR(DR, DI, 3, Y5, Y9)

// DFT4 loads rows r..r+3 of (SR, SI) as p0..p3 and computes their 4-point
// DFT: out0 in (Y2, Y3), out1 in (Y6, Y7), out2 in (Y4, Y5), out3 in
// (Y8, Y9).
#define DFT4(SR, SI, r) \
	VMOVUPS (r*32)(SR), Y0; \
	VMOVUPS (r*32)(SI), Y1; \
	VMOVUPS ((r+1)*32)(SR), Y2; \
	VMOVUPS ((r+1)*32)(SI), Y3; \
	VMOVUPS ((r+2)*32)(SR), Y4; \
	VMOVUPS ((r+2)*32)(SI), Y5; \
	VMOVUPS ((r+3)*32)(SR), Y6; \
	VMOVUPS ((r+3)*32)(SI), Y7; \
	VADDPS  Y4, Y0, Y8; \
	VADDPS  Y5, Y1, Y9; \
	VSUBPS  Y4, Y0, Y0; \
	VSUBPS  Y5, Y1, Y1; \
	VADDPS  Y6, Y2, Y10; \
	VADDPS  Y7, Y3, Y11; \
	VSUBPS  Y7, Y3, Y12; \
	VSUBPS  Y2, Y6, Y13; \
	VADDPS  Y10, Y8, Y2; \
	VADDPS  Y11, Y9, Y3; \
	VSUBPS  Y10, Y8, Y4; \
	VSUBPS  Y11, Y9, Y5; \
	VADDPS  Y12, Y0, Y6; \
	VADDPS  Y13, Y1, Y7; \
	VSUBPS  Y12, Y0, Y8; \
	VSUBPS  Y13, Y1, Y9

// TWSTORE multiplies (R, I) by W64^(b·c) (tables row c-1, base R8) and
// stores the product to row o of (DR, DI).
#define TWSTORE(R, I, c, DR, DI, o) \
	VMULPS      (224+(c-1)*32)(R8), I, Y10; \
	VFMSUB231PS ((c-1)*32)(R8), R, Y10; \
	VMULPS      ((c-1)*32)(R8), I, Y11; \
	VFMADD231PS (224+(c-1)*32)(R8), R, Y11; \
	VMOVUPS     Y10, (o*32)(DR); \
	VMOVUPS     Y11, (o*32)(DI)

#define STORE(R, I, DR, DI, o) \
	VMOVUPS R, (o*32)(DR); \
	VMOVUPS I, (o*32)(DI)

// TRANSPOSE loads rows r0..r7 of M (in that order), transposes the 8×8
// matrix and stores it back to rows 0..7 of M.
#define TRANSPOSE(M, r0, r1, r2, r3, r4, r5, r6, r7) \
	VMOVUPS (r0*32)(M), Y0; \
	VMOVUPS (r1*32)(M), Y1; \
	VMOVUPS (r2*32)(M), Y2; \
	VMOVUPS (r3*32)(M), Y3; \
	VMOVUPS (r4*32)(M), Y4; \
	VMOVUPS (r5*32)(M), Y5; \
	VMOVUPS (r6*32)(M), Y6; \
	VMOVUPS (r7*32)(M), Y7; \
	VUNPCKLPS  Y1, Y0, Y8; \
	VUNPCKHPS  Y1, Y0, Y9; \
	VUNPCKLPS  Y3, Y2, Y10; \
	VUNPCKHPS  Y3, Y2, Y11; \
	VUNPCKLPS  Y5, Y4, Y12; \
	VUNPCKHPS  Y5, Y4, Y13; \
	VUNPCKLPS  Y7, Y6, Y14; \
	VUNPCKHPS  Y7, Y6, Y15; \
	VSHUFPS    $0x44, Y10, Y8, Y0; \
	VSHUFPS    $0xEE, Y10, Y8, Y1; \
	VSHUFPS    $0x44, Y11, Y9, Y2; \
	VSHUFPS    $0xEE, Y11, Y9, Y3; \
	VSHUFPS    $0x44, Y14, Y12, Y4; \
	VSHUFPS    $0xEE, Y14, Y12, Y5; \
	VSHUFPS    $0x44, Y15, Y13, Y6; \
	VSHUFPS    $0xEE, Y15, Y13, Y7; \
	VPERM2F128 $0x20, Y4, Y0, Y8; \
	VPERM2F128 $0x20, Y5, Y1, Y9; \
	VPERM2F128 $0x20, Y6, Y2, Y10; \
	VPERM2F128 $0x20, Y7, Y3, Y11; \
	VPERM2F128 $0x31, Y4, Y0, Y12; \
	VPERM2F128 $0x31, Y5, Y1, Y13; \
	VPERM2F128 $0x31, Y6, Y2, Y14; \
	VPERM2F128 $0x31, Y7, Y3, Y15; \
	VMOVUPS Y8, (0*32)(M); \
	VMOVUPS Y9, (1*32)(M); \
	VMOVUPS Y10, (2*32)(M); \
	VMOVUPS Y11, (3*32)(M); \
	VMOVUPS Y12, (4*32)(M); \
	VMOVUPS Y13, (5*32)(M); \
	VMOVUPS Y14, (6*32)(M); \
	VMOVUPS Y15, (7*32)(M)

// func fft64AVX2(re, im *[64]float32)
TEXT ·fft64AVX2(SB), 0, $544-16
	MOVQ re+0(FP), AX
	MOVQ im+8(FP), BX
	MOVQ ·tables(SB), R8
	LEAQ 31(SP), CX      // scratch rows, 32-byte aligned: real parts
	ANDQ $~31, CX
	LEAQ 256(CX), DX     // imaginary parts
	VBROADCASTSS 712(R8), Y15

	// Columns DFT, in place: row r then holds output c = 0,2,4,6,1,3,5,7,
	// multiplied by the twiddles W64^(b·c).
	PASS1(AX, BX, AX, BX)
	DFT4(AX, BX, 0)
	STORE(Y2, Y3, AX, BX, 0)
	TWSTORE(Y6, Y7, 2, AX, BX, 1)
	TWSTORE(Y4, Y5, 4, AX, BX, 2)
	TWSTORE(Y8, Y9, 6, AX, BX, 3)
	DFT4(AX, BX, 4)
	TWSTORE(Y2, Y3, 1, AX, BX, 4)
	TWSTORE(Y6, Y7, 3, AX, BX, 5)
	TWSTORE(Y4, Y5, 5, AX, BX, 6)
	TWSTORE(Y8, Y9, 7, AX, BX, 7)

	// Transpose, taking the rows in the order c = 0..7.
	TRANSPOSE(AX, 0, 4, 1, 5, 2, 6, 3, 7)
	TRANSPOSE(BX, 0, 4, 1, 5, 2, 6, 3, 7)

	// Columns DFT again, through the scratch rows into natural order.
	VBROADCASTSS 712(R8), Y15
	PASS1(AX, BX, CX, DX)
	DFT4(CX, DX, 0)
	STORE(Y2, Y3, AX, BX, 0)
	STORE(Y6, Y7, AX, BX, 2)
	STORE(Y4, Y5, AX, BX, 4)
	STORE(Y8, Y9, AX, BX, 6)
	DFT4(CX, DX, 4)
	STORE(Y2, Y3, AX, BX, 1)
	STORE(Y6, Y7, AX, BX, 3)
	STORE(Y4, Y5, AX, BX, 5)
	STORE(Y8, Y9, AX, BX, 7)
	VZEROUPPER
	RET

// func deintAVX2(zr, zi *[64]float32, x *[128]float32)
TEXT ·deintAVX2(SB), NOSPLIT, $0-24
	MOVQ zr+0(FP), DI
	MOVQ zi+8(FP), SI
	MOVQ x+16(FP), AX
	MOVQ $4, CX

deintLoop:
	VMOVUPS 0(AX), Y0
	VMOVUPS 32(AX), Y1
	VMOVUPS 64(AX), Y4
	VMOVUPS 96(AX), Y5
	VSHUFPS $0x88, Y1, Y0, Y2
	VSHUFPS $0xDD, Y1, Y0, Y3
	VSHUFPS $0x88, Y5, Y4, Y6
	VSHUFPS $0xDD, Y5, Y4, Y7
	VPERMPD $0xD8, Y2, Y2
	VPERMPD $0xD8, Y3, Y3
	VPERMPD $0xD8, Y6, Y6
	VPERMPD $0xD8, Y7, Y7
	VMOVUPS Y2, 0(DI)
	VMOVUPS Y3, 0(SI)
	VMOVUPS Y6, 32(DI)
	VMOVUPS Y7, 32(SI)
	ADDQ    $128, AX
	ADDQ    $64, DI
	ADDQ    $64, SI
	DECQ    CX
	JNZ     deintLoop
	VZEROUPPER
	RET

// func interleaveAVX2(x *[128]float32, zr, zi *[64]float32)
TEXT ·interleaveAVX2(SB), NOSPLIT, $0-24
	MOVQ x+0(FP), AX
	MOVQ zr+8(FP), DI
	MOVQ zi+16(FP), SI
	MOVQ ·tables(SB), R8
	VBROADCASTSS 720(R8), Y14
	VBROADCASTSS 724(R8), Y15
	MOVQ $8, CX

interleaveLoop:
	VMULPS     0(DI), Y14, Y0
	VMULPS     0(SI), Y15, Y1
	VUNPCKLPS  Y1, Y0, Y2
	VUNPCKHPS  Y1, Y0, Y3
	VPERM2F128 $0x20, Y3, Y2, Y4
	VPERM2F128 $0x31, Y3, Y2, Y5
	VMOVUPS    Y4, 0(AX)
	VMOVUPS    Y5, 32(AX)
	ADDQ       $64, AX
	ADDQ       $32, DI
	ADDQ       $32, SI
	DECQ       CX
	JNZ        interleaveLoop
	VZEROUPPER
	RET

// SPLITGROUP handles bins k = k0..k0+7 and j = 64-k (rows of the packed
// spectrum at AX, real parts at 0, imaginary at 256; Z at DI/SI).
// Y13 = 0.5, Y14 = lane reversal.
#define SPLITGROUP(k0) \
	VMOVUPS (k0*4)(DI), Y0; \
	VMOVUPS (k0*4)(SI), Y1; \
	VMOVUPS ((57-k0)*4)(DI), Y2; \
	VMOVUPS ((57-k0)*4)(SI), Y3; \
	VPERMPS Y2, Y14, Y2; \
	VPERMPS Y3, Y14, Y3; \
	VADDPS  Y2, Y0, Y4; \
	VMULPS  Y13, Y4, Y4; \
	VSUBPS  Y3, Y1, Y5; \
	VMULPS  Y13, Y5, Y5; \
	VADDPS  Y3, Y1, Y6; \
	VMULPS  Y13, Y6, Y6; \
	VSUBPS  Y0, Y2, Y7; \
	VMULPS  Y13, Y7, Y7; \
	VMULPS  (580+k0*4)(R8), Y7, Y8; \
	VFMSUB231PS (448+k0*4)(R8), Y6, Y8; \
	VMULPS  (448+k0*4)(R8), Y7, Y9; \
	VFMADD231PS (580+k0*4)(R8), Y6, Y9; \
	VADDPS  Y8, Y4, Y10; \
	VADDPS  Y9, Y5, Y11; \
	VMOVUPS Y10, (k0*4)(AX); \
	VMOVUPS Y11, (256+k0*4)(AX); \
	VSUBPS  Y8, Y4, Y10; \
	VSUBPS  Y5, Y9, Y11; \
	VPERMPS Y10, Y14, Y10; \
	VPERMPS Y11, Y14, Y11; \
	VMOVUPS Y10, ((57-k0)*4)(AX); \
	VMOVUPS Y11, (256+(57-k0)*4)(AX)

// func splitAVX2(out *[128]float32, zr, zi *[64]float32)
TEXT ·splitAVX2(SB), NOSPLIT, $0-24
	MOVQ out+0(FP), AX
	MOVQ zr+8(FP), DI
	MOVQ zi+16(FP), SI
	MOVQ ·tables(SB), R8
	VBROADCASTSS 716(R8), Y13
	VMOVUPS 728(R8), Y14
	VMOVSS 0(DI), X0
	VMOVSS 0(SI), X1
	VADDSS X1, X0, X2
	VSUBSS X1, X0, X3
	VMOVSS X2, 0(AX)
	VMOVSS X3, 256(AX)
	SPLITGROUP(1)
	SPLITGROUP(9)
	SPLITGROUP(17)
	SPLITGROUP(25)
	VZEROUPPER
	RET

// UNSPLITGROUP is the inverse step for bins k0..k0+7 (spectrum at AX, Z
// out to DI/SI).
#define UNSPLITGROUP(k0) \
	VMOVUPS (k0*4)(AX), Y0; \
	VMOVUPS (256+k0*4)(AX), Y1; \
	VMOVUPS ((57-k0)*4)(AX), Y2; \
	VMOVUPS (256+(57-k0)*4)(AX), Y3; \
	VPERMPS Y2, Y14, Y2; \
	VPERMPS Y3, Y14, Y3; \
	VADDPS  Y2, Y0, Y4; \
	VSUBPS  Y3, Y1, Y5; \
	VSUBPS  Y1, Y3, Y12; \
	VSUBPS  Y2, Y0, Y6; \
	VADDPS  Y3, Y1, Y7; \
	VMULPS  (580+k0*4)(R8), Y7, Y8; \
	VFMADD231PS (448+k0*4)(R8), Y6, Y8; \
	VMULPS  (580+k0*4)(R8), Y6, Y9; \
	VFMSUB231PS (448+k0*4)(R8), Y7, Y9; \
	VSUBPS  Y9, Y4, Y10; \
	VSUBPS  Y8, Y12, Y11; \
	VMOVUPS Y10, (k0*4)(DI); \
	VMOVUPS Y11, (k0*4)(SI); \
	VADDPS  Y9, Y4, Y10; \
	VSUBPS  Y8, Y5, Y11; \
	VPERMPS Y10, Y14, Y10; \
	VPERMPS Y11, Y14, Y11; \
	VMOVUPS Y10, ((57-k0)*4)(DI); \
	VMOVUPS Y11, ((57-k0)*4)(SI)

// func unsplitAVX2(zr, zi *[64]float32, in *[128]float32)
TEXT ·unsplitAVX2(SB), NOSPLIT, $0-24
	MOVQ zr+0(FP), DI
	MOVQ zi+8(FP), SI
	MOVQ in+16(FP), AX
	MOVQ ·tables(SB), R8
	VMOVUPS 728(R8), Y14
	VMOVSS 0(AX), X0
	VMOVSS 256(AX), X1
	VADDSS X1, X0, X2
	VSUBSS X0, X1, X3
	VMOVSS X2, 0(DI)
	VMOVSS X3, 0(SI)
	UNSPLITGROUP(1)
	UNSPLITGROUP(9)
	UNSPLITGROUP(17)
	UNSPLITGROUP(25)
	VZEROUPPER
	RET

// func mac2AVX2(yb, yf *[128]float32, x, wb, wf []float32)
// For 16 bins at a time, sums the products over all partitions in
// registers. x, wb and wf hold len(wb)/128 packed spectra.
TEXT ·mac2AVX2(SB), NOSPLIT, $0-88
	MOVQ yb+0(FP), R10
	MOVQ yf+8(FP), R11
	MOVQ x_base+16(FP), R12
	MOVQ wb_base+40(FP), R13
	MOVQ wb_len+48(FP), BX
	MOVQ wf_base+64(FP), R14
	SHRQ $7, BX          // partitions
	XORQ DX, DX          // byte offset of the 16-bin group

mac2Group:
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	LEAQ (R12)(DX*1), AX
	LEAQ (R13)(DX*1), SI
	LEAQ (R14)(DX*1), DI
	MOVQ BX, CX
	TESTQ CX, CX
	JZ   mac2Store

mac2Part:
	VMOVUPS 0(AX), Y8       // xr, bins 0..7 of the group
	VMOVUPS 256(AX), Y9     // xi
	VMOVUPS 32(AX), Y10     // xr, bins 8..15
	VMOVUPS 288(AX), Y11    // xi
	VFMADD231PS 0(SI), Y8, Y0
	VFNMADD231PS 256(SI), Y9, Y0
	VFMADD231PS 256(SI), Y8, Y1
	VFMADD231PS 0(SI), Y9, Y1
	VFMADD231PS 32(SI), Y10, Y2
	VFNMADD231PS 288(SI), Y11, Y2
	VFMADD231PS 288(SI), Y10, Y3
	VFMADD231PS 32(SI), Y11, Y3
	VFMADD231PS 0(DI), Y8, Y4
	VFNMADD231PS 256(DI), Y9, Y4
	VFMADD231PS 256(DI), Y8, Y5
	VFMADD231PS 0(DI), Y9, Y5
	VFMADD231PS 32(DI), Y10, Y6
	VFNMADD231PS 288(DI), Y11, Y6
	VFMADD231PS 288(DI), Y10, Y7
	VFMADD231PS 32(DI), Y11, Y7
	ADDQ $512, AX
	ADDQ $512, SI
	ADDQ $512, DI
	DECQ CX
	JNZ  mac2Part

mac2Store:
	VMOVUPS Y0, 0(R10)(DX*1)
	VMOVUPS Y1, 256(R10)(DX*1)
	VMOVUPS Y2, 32(R10)(DX*1)
	VMOVUPS Y3, 288(R10)(DX*1)
	VMOVUPS Y4, 0(R11)(DX*1)
	VMOVUPS Y5, 256(R11)(DX*1)
	VMOVUPS Y6, 32(R11)(DX*1)
	VMOVUPS Y7, 288(R11)(DX*1)
	ADDQ $64, DX
	CMPQ DX, $256
	JLT  mac2Group
	VZEROUPPER
	RET

// func updateAVX2(w, x []float32, gs *[128]float32)
// w[p] += conj(x[p])·gs for every partition, 16 bins at a time.
TEXT ·updateAVX2(SB), NOSPLIT, $0-56
	MOVQ w_base+0(FP), R10
	MOVQ w_len+8(FP), BX
	MOVQ x_base+24(FP), R12
	MOVQ gs+48(FP), R11
	SHRQ $7, BX
	XORQ DX, DX

updateGroup:
	VMOVUPS 0(R11)(DX*1), Y12     // gr
	VMOVUPS 256(R11)(DX*1), Y13   // gi
	VMOVUPS 32(R11)(DX*1), Y14
	VMOVUPS 288(R11)(DX*1), Y15
	LEAQ (R10)(DX*1), SI
	LEAQ (R12)(DX*1), AX
	MOVQ BX, CX
	TESTQ CX, CX
	JZ   updateNext

updatePart:
	VMOVUPS 0(AX), Y8        // xr
	VMOVUPS 256(AX), Y9      // xi
	VMOVUPS 32(AX), Y10
	VMOVUPS 288(AX), Y11
	VMOVUPS 0(SI), Y0        // wr
	VMOVUPS 256(SI), Y1      // wi
	VMOVUPS 32(SI), Y2
	VMOVUPS 288(SI), Y3
	VFMADD231PS Y12, Y8, Y0  // wr += xr·gr + xi·gi
	VFMADD231PS Y13, Y9, Y0
	VFMADD231PS Y13, Y8, Y1  // wi += xr·gi - xi·gr
	VFNMADD231PS Y12, Y9, Y1
	VFMADD231PS Y14, Y10, Y2
	VFMADD231PS Y15, Y11, Y2
	VFMADD231PS Y15, Y10, Y3
	VFNMADD231PS Y14, Y11, Y3
	VMOVUPS Y0, 0(SI)
	VMOVUPS Y1, 256(SI)
	VMOVUPS Y2, 32(SI)
	VMOVUPS Y3, 288(SI)
	ADDQ $512, AX
	ADDQ $512, SI
	DECQ CX
	JNZ  updatePart

updateNext:
	ADDQ $64, DX
	CMPQ DX, $256
	JLT  updateGroup
	VZEROUPPER
	RET

// func toneCorrAVX2(x *[32]int16, cs, sn *[32]float32) (zr, zi, en float32)
TEXT ·toneCorrAVX2(SB), NOSPLIT, $0-36
	MOVQ x+0(FP), AX
	MOVQ cs+8(FP), BX
	MOVQ sn+16(FP), CX
	VPMOVSXWD 0(AX), Y6
	VPMOVSXWD 16(AX), Y7
	VCVTDQ2PS Y6, Y6
	VCVTDQ2PS Y7, Y7
	VMULPS    0(BX), Y6, Y0
	VMULPS    0(CX), Y6, Y1
	VMULPS    Y6, Y6, Y2
	VMULPS    32(BX), Y7, Y3
	VMULPS    32(CX), Y7, Y4
	VMULPS    Y7, Y7, Y5
	VPMOVSXWD 32(AX), Y6
	VPMOVSXWD 48(AX), Y7
	VCVTDQ2PS Y6, Y6
	VCVTDQ2PS Y7, Y7
	VFMADD231PS 64(BX), Y6, Y0
	VFMADD231PS 64(CX), Y6, Y1
	VFMADD231PS Y6, Y6, Y2
	VFMADD231PS 96(BX), Y7, Y3
	VFMADD231PS 96(CX), Y7, Y4
	VFMADD231PS Y7, Y7, Y5
	VADDPS Y3, Y0, Y0
	VADDPS Y4, Y1, Y1
	VADDPS Y5, Y2, Y2
	VEXTRACTF128 $1, Y0, X3
	VEXTRACTF128 $1, Y1, X4
	VEXTRACTF128 $1, Y2, X5
	VADDPS X3, X0, X0
	VADDPS X4, X1, X1
	VADDPS X5, X2, X2
	VHADDPS X0, X0, X0
	VHADDPS X1, X1, X1
	VHADDPS X2, X2, X2
	VHADDPS X0, X0, X0
	VHADDPS X1, X1, X1
	VHADDPS X2, X2, X2
	VMOVSS X0, zr+24(FP)
	VMOVSS X1, zi+28(FP)
	VMOVSS X2, en+32(FP)
	VZEROUPPER
	RET

// func powUpdateAVX2(dsum, pw *[65]float32, x *[128]float32)
TEXT ·powUpdateAVX2(SB), NOSPLIT, $0-24
	MOVQ dsum+0(FP), DI
	MOVQ pw+8(FP), SI
	MOVQ x+16(FP), AX
	MOVQ $4, CX

powLoop:
	VMOVUPS 0(AX), Y0
	VMOVUPS 32(AX), Y1
	VMULPS  Y0, Y0, Y0
	VMULPS  Y1, Y1, Y1
	VMOVUPS 256(AX), Y2
	VMOVUPS 288(AX), Y3
	VFMADD231PS Y2, Y2, Y0   // p = re² + im²
	VFMADD231PS Y3, Y3, Y1
	VSUBPS  0(SI), Y0, Y4    // p - pw
	VSUBPS  32(SI), Y1, Y5
	VADDPS  0(DI), Y4, Y4
	VADDPS  32(DI), Y5, Y5
	VMOVUPS Y0, 0(SI)
	VMOVUPS Y1, 32(SI)
	VMOVUPS Y4, 0(DI)
	VMOVUPS Y5, 32(DI)
	ADDQ $64, AX
	ADDQ $64, SI
	ADDQ $64, DI
	DECQ CX
	JNZ  powLoop
	VZEROUPPER
	RET

// func normalizeAVX2(grad *[128]float32, dsum *[65]float32, mu, delta float32)
TEXT ·normalizeAVX2(SB), NOSPLIT, $0-24
	MOVQ grad+0(FP), AX
	MOVQ dsum+8(FP), SI
	VBROADCASTSS mu+16(FP), Y14
	VBROADCASTSS delta+20(FP), Y15
	MOVQ $4, CX

normLoop:
	VADDPS  0(SI), Y15, Y0
	VADDPS  32(SI), Y15, Y1
	VDIVPS  Y0, Y14, Y0      // mu / (dsum + delta)
	VDIVPS  Y1, Y14, Y1
	VMULPS  0(AX), Y0, Y2
	VMULPS  32(AX), Y1, Y3
	VMULPS  256(AX), Y0, Y4
	VMULPS  288(AX), Y1, Y5
	VMOVUPS Y2, 0(AX)
	VMOVUPS Y3, 32(AX)
	VMOVUPS Y4, 256(AX)
	VMOVUPS Y5, 288(AX)
	ADDQ $64, AX
	ADDQ $64, SI
	DECQ CX
	JNZ  normLoop
	VZEROUPPER
	RET

// func quantizeAVX2(out *[64]int16, x *[64]float32)
// The operations of sat16, eight lanes at a time: add ±0.5, clamp to the
// int16 range, truncate, pack. NaN gives 0, as in sat16 (int32(NaN) is
// 0x80000000, whose low halfword is 0): the lanes are cleared first, since
// VMINPS returns its second source (32767) when an operand is NaN.
TEXT ·quantizeAVX2(SB), NOSPLIT, $0-16
	MOVQ out+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ ·tables(SB), R8
	VBROADCASTSS 716(R8), Y12   // 0.5
	VBROADCASTSS 768(R8), Y13   // sign bit
	VBROADCASTSS 760(R8), Y14   // 32767
	VBROADCASTSS 764(R8), Y15   // -32768
	MOVQ $4, CX

quantLoop:
	VMOVUPS 0(SI), Y0
	VMOVUPS 32(SI), Y2
	VCMPPS  $7, Y0, Y0, Y5      // ordered: all ones unless NaN
	VCMPPS  $7, Y2, Y2, Y6
	VANDPS  Y5, Y0, Y0
	VANDPS  Y6, Y2, Y2
	VANDPS  Y13, Y0, Y1
	VANDPS  Y13, Y2, Y3
	VORPS   Y12, Y1, Y1
	VORPS   Y12, Y3, Y3
	VADDPS  Y1, Y0, Y0
	VADDPS  Y3, Y2, Y2
	VMINPS  Y14, Y0, Y0
	VMINPS  Y14, Y2, Y2
	VMAXPS  Y15, Y0, Y0
	VMAXPS  Y15, Y2, Y2
	VCVTTPS2DQ Y0, Y0
	VCVTTPS2DQ Y2, Y2
	VPACKSSDW Y2, Y0, Y4
	VPERMQ  $0xD8, Y4, Y4
	VMOVDQU Y4, 0(DI)
	ADDQ $64, SI
	ADDQ $32, DI
	DECQ CX
	JNZ  quantLoop
	VZEROUPPER
	RET

// func errStatsAVX2(eb, ef, s, yb, yf *[64]float32) (see, sff, syb, syf, dbf, sd float32)
TEXT ·errStatsAVX2(SB), NOSPLIT, $0-64
	MOVQ eb+0(FP), R8
	MOVQ ef+8(FP), R9
	MOVQ s+16(FP), SI
	MOVQ yb+24(FP), R10
	MOVQ yf+32(FP), R11
	VXORPS Y0, Y0, Y0    // see
	VXORPS Y1, Y1, Y1    // sff
	VXORPS Y2, Y2, Y2    // syb
	VXORPS Y3, Y3, Y3    // syf
	VXORPS Y4, Y4, Y4    // dbf
	VXORPS Y5, Y5, Y5    // sd
	XORQ DX, DX

errLoop:
	VMOVUPS (SI)(DX*1), Y6    // s
	VMOVUPS (R10)(DX*1), Y7   // yb
	VMOVUPS (R11)(DX*1), Y8   // yf
	VSUBPS  Y7, Y6, Y9        // eb
	VSUBPS  Y8, Y6, Y10       // ef
	VSUBPS  Y8, Y7, Y11       // yb - yf
	VMOVUPS Y9, (R8)(DX*1)
	VMOVUPS Y10, (R9)(DX*1)
	VFMADD231PS Y9, Y9, Y0
	VFMADD231PS Y10, Y10, Y1
	VFMADD231PS Y7, Y7, Y2
	VFMADD231PS Y8, Y8, Y3
	VFMADD231PS Y11, Y11, Y4
	VFMADD231PS Y6, Y6, Y5
	ADDQ $32, DX
	CMPQ DX, $256
	JLT  errLoop

	// Horizontal sums.
	VEXTRACTF128 $1, Y0, X6
	VEXTRACTF128 $1, Y1, X7
	VEXTRACTF128 $1, Y2, X8
	VEXTRACTF128 $1, Y3, X9
	VEXTRACTF128 $1, Y4, X10
	VEXTRACTF128 $1, Y5, X11
	VADDPS X6, X0, X0
	VADDPS X7, X1, X1
	VADDPS X8, X2, X2
	VADDPS X9, X3, X3
	VADDPS X10, X4, X4
	VADDPS X11, X5, X5
	VHADDPS X1, X0, X0     // see01 see23 sff01 sff23
	VHADDPS X3, X2, X2     // syb.. syf..
	VHADDPS X5, X4, X4     // dbf.. sd..
	VHADDPS X2, X0, X0     // see sff syb syf
	VHADDPS X4, X4, X4     // dbf sd dbf sd
	VMOVUPS X0, see+40(FP)
	VMOVLPS X4, dbf+56(FP)
	VZEROUPPER
	RET
