//go:build ignore

// mkspeech renders the speech part of the talk-off corpus with espeak-ng
// (Debian package espeak-ng) and writes it to data/speech.ulaw.z:
//
//	go run mkspeech.go
//
// Every clip is a paragraph in one of 17 languages (a few real sentences
// of the kind heard on phone calls, numbers, and pronounceable nonsense
// built from the language's syllables, so the prosody and phonemes are the
// language's own) spoken by one of espeak-ng's voice variants at a random
// pitch and speed. Clips are resampled to 8 kHz, set to an active level
// between -26 and -12 dBm0 and stored as G.711 µ-law in the format read by
// corpus.Load. The output depends on the espeak-ng version; the committed
// file is the reference.
package main

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"flag"
	"fmt"
	"log"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"

	"tipring/dsp/g711"
)

type lang struct {
	voice     string
	sentences []string
	syllables []string
}

var langs = []lang{
	{"en-us", []string{
		"Hello, this is Mary from the front desk. Could you call me back at five five five, two one three four?",
		"I'm sorry, the person you are trying to reach is not available. Please leave a message after the tone.",
		"Your account number is four seven eight nine, three three two one. Press one to continue.",
		"We were wondering whether the delivery could arrive on Thursday afternoon instead of Monday.",
		"Oh really? That's wonderful news! Tell everyone I said congratulations.",
	}, []string{"ba", "ten", "ri", "sho", "mal", "kee", "dor", "win", "sta", "pul", "gre", "nay", "thi", "vo", "lun", "jack", "fer", "ow"}},
	{"en-gb", []string{
		"Good morning, you're through to the accounts department. How may I help you today?",
		"The train to Manchester Piccadilly has been delayed by approximately twenty minutes.",
		"Would you mind holding for a moment while I transfer you to my colleague?",
		"Right, so that's two thousand and nine hundred pounds, payable by the end of the month.",
	}, []string{"bri", "tol", "ham", "shire", "wick", "mon", "ey", "lud", "cas", "fen", "ro", "quay", "ster", "bur"}},
	{"de", []string{
		"Guten Tag, hier ist die Praxis Doktor Schneider. Wir müssen Ihren Termin leider verschieben.",
		"Bitte rufen Sie uns unter der Nummer null acht neun, vier fünf sechs sieben zurück.",
		"Das Wetter morgen wird sonnig, mit Temperaturen bis zu dreiundzwanzig Grad.",
		"Ich weiß nicht genau, ob wir das bis Freitag schaffen. Was meinst du?",
	}, []string{"schla", "bern", "ich", "zu", "pfei", "gen", "wald", "stro", "mü", "hau", "kel", "ter", "ung", "sprä", "lö", "acht"}},
	{"fr-fr", []string{
		"Bonjour, je vous appelle au sujet de votre commande numéro trois cent quarante-deux.",
		"Nous sommes désolés, tous nos conseillers sont actuellement en ligne. Veuillez patienter.",
		"Tu viens ce soir? On mange chez Paul vers huit heures et demie.",
		"Le rendez-vous est confirmé pour mardi prochain, à quatorze heures quinze.",
	}, []string{"bon", "jou", "rai", "peu", "lan", "tré", "chi", "gnon", "vou", "dé", "moi", "sul", "quai", "rou"}},
	{"es", []string{
		"Buenas tardes, le llamo del banco para confirmar una operación con su tarjeta.",
		"Marque el número nueve para hablar con una operadora. Gracias por su paciencia.",
		"¿Sabes si mañana abren la farmacia? Necesito recoger la receta de mi madre.",
		"El vuelo a Barcelona sale a las siete y cuarenta desde la puerta doce.",
	}, []string{"ca", "llo", "mer", "ti", "pue", "ña", "dos", "gra", "rre", "zu", "bel", "chi", "ques", "al"}},
	{"it", []string{
		"Pronto, sono Giulia dello studio legale. Potrebbe richiamarmi appena possibile?",
		"La informiamo che il servizio sarà sospeso domani dalle otto alle dodici.",
		"Allora ci vediamo alla stazione alle sei e mezza, va bene?",
	}, []string{"gli", "cchi", "ran", "to", "mez", "za", "spe", "ri", "bel", "lo", "gnu", "fer", "ca", "sso"}},
	{"pt-br", []string{
		"Alô, aqui é o Carlos da oficina. O seu carro já está pronto para retirar.",
		"Por favor, digite o número do seu documento seguido da tecla jogo da velha.",
		"Amanhã vai chover o dia inteiro, então leve o guarda-chuva.",
	}, []string{"ção", "lha", "mão", "pei", "ri", "nho", "tu", "bem", "da", "que", "gos", "vi", "xa", "lu"}},
	{"nl", []string{
		"Goedemiddag, u spreekt met de klantenservice. Waarmee kan ik u helpen?",
		"De vergadering van donderdag is verplaatst naar vrijdagochtend om tien uur.",
		"Heb je de sleutels nog? Ik sta namelijk voor de deur.",
	}, []string{"gra", "sch", "ui", "lij", "oog", "ver", "taal", "heid", "knop", "eu", "wij", "zaak", "dorp"}},
	{"sv", []string{
		"Hej, det är Anna från vårdcentralen. Du har fått en ny tid på tisdag klockan nio.",
		"Tack för att du ringer. Alla våra handläggare är upptagna just nu.",
	}, []string{"sjö", "kär", "hus", "flic", "ka", "tjug", "ström", "berg", "lång", "ö", "ring", "skå"}},
	{"pl", []string{
		"Dzień dobry, dzwonię w sprawie ogłoszenia o sprzedaży mieszkania.",
		"Proszę podać numer klienta, a następnie zatwierdzić krzyżykiem.",
	}, []string{"prze", "szcz", "ść", "rzy", "wa", "ło", "dzie", "cha", "mię", "gró", "kow", "ski"}},
	{"fi", []string{
		"Hyvää päivää, soitan kirjaston puolesta. Varaamanne kirja on noudettavissa.",
		"Puhelunne on meille tärkeä. Odottakaa hetki, niin teitä palvellaan.",
	}, []string{"kka", "lä", "hyv", "tuu", "mii", "sen", "pää", "rä", "nen", "ou", "si", "kos"}},
	{"tr", []string{
		"Merhaba, kargonuz yarın öğleden sonra adresinize teslim edilecektir.",
		"Lütfen hattan ayrılmayınız, görüşmeniz sırayla yanıtlanacaktır.",
	}, []string{"ğı", "çek", "şar", "ün", "lar", "mız", "ö", "kal", "bey", "ız", "dü", "yor"}},
	{"cmn-latn-pinyin", []string{
		"ni3 hao3, qing3 wen4 zhang1 jing1 li3 zai4 ma5? wo3 shi4 cong2 shang4 hai3 da3 lai2 de5.",
		"nin2 bo1 da3 de5 yong4 hu4 zheng4 zai4 tong1 hua4 zhong1, qing3 shao1 hou4 zai4 bo1.",
		"ming2 tian1 xia4 wu3 san1 dian3, wo3 men5 zai4 hui4 yi4 shi4 jian4 mian4.",
	}, []string{"zhong1", "guo2", "ren2", "xue2", "sheng1", "qi4", "hao3", "lü4", "chuan2", "shui3", "mao1", "ying1", "da4", "xiang3", "ke4", "fei1"}},
	{"vi", []string{
		"Xin chào, tôi gọi từ ngân hàng để xác nhận giao dịch của quý khách.",
		"Cuộc gọi của quý khách sẽ được chuyển đến nhân viên tư vấn.",
	}, []string{"người", "việt", "nam", "chào", "được", "không", "mẹ", "bố", "trời", "nước", "hỏi", "ngã"}},
	{"ru", []string{
		"Здравствуйте, вас беспокоит служба доставки. Ваш заказ прибудет завтра.",
		"Оставайтесь на линии, ваш звонок очень важен для нас.",
	}, []string{"ка", "ро", "ще", "мо", "ны", "ли", "зда", "вст", "при", "жу", "бо", "тя", "ль"}},
	{"hi", []string{
		"नमस्ते, मैं बैंक से बोल रहा हूँ। क्या आप अपना खाता संख्या बता सकते हैं?",
		"कृपया लाइन पर बने रहें, आपकी कॉल हमारे लिए महत्वपूर्ण है।",
	}, []string{"का", "की", "कु", "मा", "नी", "रा", "ला", "से", "ते", "हो", "गा", "पि"}},
	{"ja", []string{
		"もしもし、こちらはやまだです。あしたのかいぎはごごさんじからです。",
		"おでんわありがとうございます。ただいまでんわがこみあっております。",
	}, []string{"か", "き", "く", "さ", "し", "た", "ち", "な", "の", "ま", "も", "ら", "り", "よ", "ん"}},
}

var variants = []string{"m1", "m2", "m3", "m4", "m5", "m6", "m7", "f1", "f2", "f3", "f4", "f5",
	"klatt", "klatt2", "klatt3", "Andy", "max", "john", "edward", "Michael", "linda", "Annie", "belinda", "Alicia"}

func main() {
	minutes := flag.Float64("minutes", 18, "total speech to render")
	out := flag.String("o", "data/speech.ulaw.z", "output file")
	flag.Parse()
	r := rand.New(rand.NewPCG(2024, 11))
	var raw bytes.Buffer
	raw.WriteString("tipring talk-off speech v1\n")
	total := 0
	want := int(*minutes * 60 * 8000)
	for n := 0; total < want; n++ {
		l := langs[n%len(langs)]
		v := variants[r.IntN(len(variants))]
		text := paragraph(r, l)
		pitch := 15 + r.IntN(75)
		speed := 130 + r.IntN(80)
		x, err := speak(l.voice+"+"+v, speed, pitch, text)
		if err != nil {
			log.Fatal(err)
		}
		level := -26 + 14*r.Float64()
		y := resample(x, 22050, 8000)
		scale(y, level)
		codes := make([]byte, len(y))
		pcm := make([]int16, len(y))
		for i, s := range y {
			pcm[i] = int16(max(-32768, min(32767, math.Round(s))))
		}
		g711.UlawEncode(codes, pcm)
		name := fmt.Sprintf("%s+%s p%d s%d %.0fdBm0", l.voice, v, pitch, speed, level)
		raw.WriteByte(byte(len(name)))
		raw.WriteString(name)
		binary.Write(&raw, binary.LittleEndian, uint32(len(codes)))
		raw.Write(codes)
		total += len(codes)
		fmt.Fprintf(os.Stderr, "%5.1f s %s\n", float64(total)/8000, name)
	}
	var z bytes.Buffer
	w, _ := flate.NewWriter(&z, flate.BestCompression)
	w.Write(raw.Bytes())
	w.Close()
	if err := os.WriteFile(*out, z.Bytes(), 0o644); err != nil {
		log.Fatal(err)
	}
	fmt.Fprintf(os.Stderr, "%s: %.1f min, %d bytes (%d raw)\n", *out, float64(total)/8000/60, z.Len(), raw.Len())
}

// paragraph strings together real sentences, numbers and pseudo-sentences.
func paragraph(r *rand.Rand, l lang) string {
	var b strings.Builder
	for range 2 + r.IntN(2) {
		switch k := r.IntN(5); {
		case k < 2:
			b.WriteString(l.sentences[r.IntN(len(l.sentences))])
		case k == 2:
			fmt.Fprintf(&b, "%d %d, %d.", r.IntN(1000), r.IntN(100000), r.IntN(10000))
		default:
			words := 4 + r.IntN(9)
			for w := range words {
				for range 1 + r.IntN(3) {
					b.WriteString(l.syllables[r.IntN(len(l.syllables))])
				}
				switch {
				case w == words-1:
					b.WriteString([]string{".", "?", "!", "."}[r.IntN(4)])
				case r.IntN(6) == 0:
					b.WriteString(",")
				}
				b.WriteByte(' ')
			}
		}
		b.WriteByte(' ')
	}
	return b.String()
}

func speak(voice string, speed, pitch int, text string) ([]float64, error) {
	cmd := exec.Command("espeak-ng", "-v", voice, "-s", fmt.Sprint(speed), "-p", fmt.Sprint(pitch), "--stdout", text)
	cmd.Stderr = os.Stderr
	wav, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("espeak-ng %s: %w", voice, err)
	}
	i := bytes.Index(wav, []byte("data"))
	if i < 0 || binary.LittleEndian.Uint32(wav[24:]) != 22050 {
		return nil, fmt.Errorf("espeak-ng %s: unexpected WAV output", voice)
	}
	pcm := wav[i+8:]
	x := make([]float64, len(pcm)/2)
	for k := range x {
		x[k] = float64(int16(binary.LittleEndian.Uint16(pcm[2*k:])))
	}
	return x, nil
}

// resample converts x from rate in to rate out with a Kaiser-windowed sinc
// low-pass at 3700 Hz.
func resample(x []float64, in, out float64) []float64 {
	const half = 48
	fc := 3700.0 / in
	n := int(float64(len(x)) * out / in)
	y := make([]float64, n)
	i0 := besselI0(8)
	for k := range y {
		t := float64(k) * in / out
		c := int(t)
		var s float64
		for j := c - half; j <= c+half; j++ {
			if j < 0 || j >= len(x) {
				continue
			}
			d := t - float64(j)
			u := d / (half + 1)
			if u <= -1 || u >= 1 {
				continue
			}
			w := besselI0(8*math.Sqrt(1-u*u)) / i0
			var h float64
			if d == 0 {
				h = 2 * fc
			} else {
				h = math.Sin(2*math.Pi*fc*d) / (math.Pi * d)
			}
			s += x[j] * h * w
		}
		y[k] = s
	}
	return y
}

func besselI0(x float64) float64 {
	s, term := 1.0, 1.0
	for k := 1; k < 30; k++ {
		term *= (x / 2) / float64(k)
		s += term * term
	}
	return s
}

// scale sets the active level of y (mean power over 20 ms frames within
// 30 dB of the loudest) to level dBm0.
func scale(y []float64, level float64) {
	const ref = 16077.8
	var pows []float64
	peak := 0.0
	for i := 0; i+160 <= len(y); i += 160 {
		var p float64
		for _, v := range y[i : i+160] {
			p += v * v
		}
		p /= 160
		pows = append(pows, p)
		peak = max(peak, p)
	}
	var sum float64
	var cnt int
	for _, p := range pows {
		if p > peak/1000 {
			sum += p
			cnt++
		}
	}
	if cnt == 0 {
		return
	}
	g := ref * math.Pow(10, level/20) / math.Sqrt(sum/float64(cnt))
	for i := range y {
		y[i] *= g
	}
}
