/**
 * Implementation shared by the packages of ptsafe-api, and with the {@code ptsafe} command (exported
 * to io.ptsafe.cli only, for its standard-input spool): nothing here is API, whatever its
 * visibility on the class path.
 */
package io.ptsafe.internal;
