/**
 * The sum of the op families: {@link org.clengine.backend.Backend} gives one accessor per family, implemented by
 * the plain-Java {@link org.clengine.backend.ReferenceBackend} (the oracle) and by {@link
 * org.clengine.backend.OpenClBackend} with one immutable {@link org.clengine.backend.LaunchPolicy}. {@link
 * org.clengine.backend.OpFamily#ALL} is the one registry of families.
 */
package org.clengine.backend;
