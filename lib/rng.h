/*
 * rng: a small, fast, seedable pseudo-random generator (xoshiro256**,
 * Blackman and Vigna, seeded through splitmix64).  The same seed gives the
 * same sequence on every machine, which is what makes vitals-gen --seed
 * and iforest-train --seed reproducible byte for byte.  Not for secrets.
 */
#ifndef VL_RNG_H
#define VL_RNG_H

#include <stdint.h>

struct rng {
	uint64_t s[4];
	double spare;		/* second normal deviate of the last pair */
	int has_spare;
};

/* Seeds the generator; any seed, 0 included, gives a usable state. */
void rng_seed(struct rng *r, uint64_t seed);
/* An independent stream derived from r's seed and a label, e.g. a
 * patient number, so per-patient draws do not depend on patient order. */
void rng_fork(struct rng *child, const struct rng *parent, uint64_t label);

uint64_t rng_next(struct rng *r);
/* Uniform in [0, 1), 53 random bits. */
double rng_uniform(struct rng *r);
/* Uniform in [lo, hi). */
double rng_range(struct rng *r, double lo, double hi);
/* Uniform integer in [0, n), without modulo bias; n > 0. */
uint64_t rng_below(struct rng *r, uint64_t n);
/* Standard normal deviate (polar Box-Muller). */
double rng_normal(struct rng *r);
/* Exponential deviate with the given mean. */
double rng_exponential(struct rng *r, double mean);

/* splitmix64: steps *state and returns the next value of its sequence. */
uint64_t splitmix64(uint64_t *state);

/* A seed named by a string (a Synthea patient's Id), so that one name
 * draws the same numbers whatever else is drawn.  Generated data depend
 * on these bits: unlike hash_bytes (lib/hash.h), this never changes. */
uint64_t rng_seed_of(const char *name);

#endif
