/**
 * Implementation shared by the packages of ptsafe-api. Not exported by the module: nothing here is
 * API, whatever its visibility on the class path.
 */
package io.ptsafe.internal;
