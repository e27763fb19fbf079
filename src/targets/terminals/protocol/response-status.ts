/** ResponseStatus, JSON or XML (§2.2). `statusCode` is numeric in JSON, text in XML; both are normalised. */
export interface ResponseStatus {
  requestURL?: string;
  statusCode: number;
  statusString?: string;
  subStatusCode?: string;
  errorCode?: number;
  errorMsg?: string;
}
