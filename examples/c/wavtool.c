/* wavtool — makes and checks the WAV files of the examples and the demo,
 * with no library but libc and libm.
 *
 *   wavtool gen FILE HZ SECONDS       8 kHz 16-bit mono sine, peak 8000
 *   wavtool check FILE HZ [MIN_RMS]   a recording holds audio (RMS >= MIN_RMS,
 *                                     default 300) whose dominant frequency
 *                                     is HZ within 15 Hz (HZ 0: not checked)
 *
 * check reads 16-bit PCM mono WAV files, as sk400vop records them (also an
 * unfinished one whose sizes are still 0xFFFFFFFF), and prints one line:
 *   WAV heard.wav 3.02 s rms 4210 dominant 440 Hz: ok
 * Exit status 0 when the check holds, 1 when not, 2 for a usage or file
 * error.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif
#define RATE 8000
#define MAX_SAMPLES (RATE * 120)

static void put16(unsigned char *b, unsigned v) { b[0] = (unsigned char)v; b[1] = (unsigned char)(v >> 8); }
static void put32(unsigned char *b, unsigned long v)
{
    put16(b, (unsigned)(v & 0xffff));
    put16(b + 2, (unsigned)(v >> 16));
}
static unsigned get16(const unsigned char *b) { return (unsigned)b[0] | (unsigned)b[1] << 8; }
static unsigned long get32(const unsigned char *b) { return get16(b) | (unsigned long)get16(b + 2) << 16; }

static int gen(const char *path, double hz, double seconds)
{
    unsigned char h[44];
    long i, n = (long)(seconds * RATE);
    FILE *f;
    if (n <= 0 || n > MAX_SAMPLES || hz <= 0 || hz >= RATE / 2) {
        fprintf(stderr, "wavtool: gen: bad frequency or length\n");
        return 2;
    }
    if ((f = fopen(path, "wb")) == NULL) {
        perror(path);
        return 2;
    }
    memcpy(h, "RIFF", 4);
    put32(h + 4, 36 + (unsigned long)n * 2);
    memcpy(h + 8, "WAVEfmt ", 8);
    put32(h + 16, 16);
    put16(h + 20, 1);        /* PCM */
    put16(h + 22, 1);        /* mono */
    put32(h + 24, RATE);
    put32(h + 28, RATE * 2); /* bytes per second */
    put16(h + 32, 2);        /* block align */
    put16(h + 34, 16);       /* bits per sample */
    memcpy(h + 36, "data", 4);
    put32(h + 40, (unsigned long)n * 2);
    fwrite(h, 1, sizeof h, f);
    for (i = 0; i < n; i++) {
        unsigned char s[2];
        int v = (int)lrint(8000.0 * sin(2.0 * M_PI * hz * (double)i / RATE));
        put16(s, (unsigned)(v & 0xffff));
        fwrite(s, 1, 2, f);
    }
    if (fclose(f) != 0) {
        perror(path);
        return 2;
    }
    printf("WAV %s %.2f s %.0f Hz: written\n", path, seconds, hz);
    return 0;
}

/* goertzel returns the power of frequency hz in x[0..n). */
static double goertzel(const int16_t *x, long n, double hz)
{
    double w = 2.0 * cos(2.0 * M_PI * hz / RATE), s1 = 0, s2 = 0;
    long i;
    for (i = 0; i < n; i++) {
        double s0 = x[i] + w * s1 - s2;
        s2 = s1;
        s1 = s0;
    }
    return s1 * s1 + s2 * s2 - w * s1 * s2;
}

/* read_wav loads a 16-bit PCM mono file; returns the sample count or -1. */
static long read_wav(const char *path, int16_t **out)
{
    unsigned char h[12], ch[8], fmt[16];
    int have_fmt = 0;
    long n = 0;
    int16_t *pcm;
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        perror(path);
        return -1;
    }
    if (fread(h, 1, 12, f) != 12 || memcmp(h, "RIFF", 4) || memcmp(h + 8, "WAVE", 4)) goto bad;
    for (;;) {
        unsigned long size;
        if (fread(ch, 1, 8, f) != 8) goto bad;
        size = get32(ch + 4);
        if (!memcmp(ch, "fmt ", 4)) {
            if (size < 16 || fread(fmt, 1, 16, f) != 16) goto bad;
            if (size > 16 && fseek(f, (long)(size - 16 + (size & 1)), SEEK_CUR) != 0) goto bad;
            have_fmt = 1;
        } else if (!memcmp(ch, "data", 4)) {
            break;
        } else if (fseek(f, (long)(size + (size & 1)), SEEK_CUR) != 0) {
            goto bad;
        }
    }
    if (!have_fmt || get16(fmt) != 1 || get16(fmt + 2) != 1 || get16(fmt + 14) != 16 || get32(fmt + 4) != RATE) {
        fprintf(stderr, "wavtool: %s: not 8 kHz 16-bit PCM mono\n", path);
        fclose(f);
        return -1;
    }
    pcm = malloc(sizeof *pcm * MAX_SAMPLES);
    if (pcm == NULL) goto bad;
    for (n = 0; n < MAX_SAMPLES; n++) { /* up to the end of the file: the size may be unfinished */
        unsigned char s[2];
        if (fread(s, 1, 2, f) != 2) break;
        pcm[n] = (int16_t)get16(s);
    }
    fclose(f);
    *out = pcm;
    return n;
bad:
    fprintf(stderr, "wavtool: %s: not a WAV file\n", path);
    fclose(f);
    return -1;
}

static int check(const char *path, double want, double min_rms)
{
    int16_t *pcm = NULL;
    long i, n = read_wav(path, &pcm);
    double sum = 0, rms, best = 0, best_hz = 0, hz;
    int ok;
    if (n < 0) return 2;
    for (i = 0; i < n; i++) sum += (double)pcm[i] * pcm[i];
    rms = n > 0 ? sqrt(sum / (double)n) : 0;
    /* Coarse scan in 5 Hz steps, then 0.5 Hz around the best. */
    for (hz = 50; hz < RATE / 2 - 50; hz += 5) {
        double p = goertzel(pcm, n, hz);
        if (p > best) { best = p; best_hz = hz; }
    }
    for (hz = best_hz - 5; hz <= best_hz + 5; hz += 0.5) {
        double p = goertzel(pcm, n, hz);
        if (p > best) { best = p; best_hz = hz; }
    }
    ok = n >= RATE / 2 && rms >= min_rms && (want <= 0 || fabs(best_hz - want) <= 15);
    printf("WAV %s %.2f s rms %.0f dominant %.0f Hz: %s\n", path, (double)n / RATE, rms, best_hz,
           ok ? "ok" : "FAIL");
    if (!ok) {
        if (n < RATE / 2) fprintf(stderr, "wavtool: %s: less than half a second of audio\n", path);
        if (rms < min_rms) fprintf(stderr, "wavtool: %s: silent (rms %.0f < %.0f)\n", path, rms, min_rms);
        if (want > 0 && fabs(best_hz - want) > 15)
            fprintf(stderr, "wavtool: %s: dominant %.0f Hz, want %.0f\n", path, best_hz, want);
    }
    free(pcm);
    return ok ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc == 5 && !strcmp(argv[1], "gen")) return gen(argv[2], atof(argv[3]), atof(argv[4]));
    if ((argc == 4 || argc == 5) && !strcmp(argv[1], "check"))
        return check(argv[2], atof(argv[3]), argc == 5 ? atof(argv[4]) : 300);
    fprintf(stderr, "usage: wavtool gen FILE HZ SECONDS | wavtool check FILE HZ [MIN_RMS]\n");
    return 2;
}
