/**
 * How an op family proves itself against the reference: comparisons with per-output tolerances and bit digests,
 * seeded random fills, the bad-input cases both backends must refuse alike, and the {@link
 * org.clengine.verify.OpDescription} each family registers. What {@code ./clengine verify} and the tests run.
 */
package org.clengine.verify;
