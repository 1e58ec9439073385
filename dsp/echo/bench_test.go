package echo

import "testing"

func benchCanceller(b *testing.B, tail int) {
	far := css(4*fs, -10, 14)
	sc := build(far, nil, -60, newLine(annexD()[0].scaled(6), 100), nil, 0)
	c := newCanceller(b, tail, true)
	out := make([]int16, 160)
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		c.Process(sc.rin[i:i+160], sc.sin[i:i+160], out)
		i += 160
		if i+160 > len(far) {
			i = 0
		}
	}
	b.StopTimer()
	samplesPerSec := float64(b.N*160) / b.Elapsed().Seconds()
	b.ReportMetric(samplesPerSec/8000, "ch/core")
}

func BenchmarkCanceller128ms(b *testing.B) { benchCanceller(b, 128) }
func BenchmarkCanceller32ms(b *testing.B)  { benchCanceller(b, 32) }
