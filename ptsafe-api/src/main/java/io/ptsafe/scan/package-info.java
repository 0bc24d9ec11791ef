/**
 * Scan reports: what {@link io.ptsafe.SafeLoader#scan} and {@link io.ptsafe.SafeLoader#scanTree}
 * return, and their JSON and SARIF forms. A {@link io.ptsafe.scan.ScanReport} holds a verdict
 * (SAFE, UNSAFE, INVALID) and {@link io.ptsafe.scan.ScanFinding findings}, each of a
 * {@link io.ptsafe.scan.ScanRule} from the catalog (stable {@code PTSnnn} ids); every refusal
 * {@link io.ptsafe.Reason} names its rule. {@link io.ptsafe.scan.ScanReports} writes reports as JSON
 * (docs/scan-report.schema.json) or SARIF 2.1.0.
 */
package io.ptsafe.scan;
