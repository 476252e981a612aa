/**
 * Data-parallel training over several devices and machines: the {@link org.clengine.distributed.Collective}
 * exchanges (threads of one JVM, or TCP between processes) and the fixed rank order that makes every rank's
 * result the same bits.
 */
package org.clengine.distributed;
