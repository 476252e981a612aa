/**
 * The training loop ({@link org.clengine.train.Trainer}), the models {@code ./clengine train} offers, and the
 * loss-landscape probe of the smoothness experiment. Built on {@code nn} and {@code data}.
 */
package org.clengine.train;
