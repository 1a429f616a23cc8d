/**
 * Why an ad-hoc statement did not run. The HTTP layer maps each code to a status:
 * the first three are the caller's statement (400), the next two its reach (403), the
 * limits 422.
 */
export type SqlErrorCode =
  /** Not parseable, or parseable but not runnable (unknown column, wrong types, FORMAT). */
  | 'SQL_INVALID'
  /** Several statements separated by semicolons. */
  | 'SQL_MULTIPLE_STATEMENTS'
  /** Anything but one plain SELECT: INSERT, ALTER, SET, SYSTEM..., INTO OUTFILE, a SETTINGS clause. */
  | 'SQL_NOT_READ_ONLY'
  /** A table, view or database outside the analytics tables. */
  | 'SQL_TABLE_FORBIDDEN'
  /** A table function, or a function outside the allow-list. */
  | 'SQL_FUNCTION_FORBIDDEN'
  /** The execution time, result rows, result bytes or memory limit was reached. */
  | 'SQL_LIMIT_EXCEEDED'
  /** The JSON answer passed its size in bytes: the statement was stopped, nothing of it is returned. */
  | 'SQL_RESULT_TOO_LARGE'
  /** Too many ad-hoc statements already running in this process. */
  | 'SQL_BUSY';

export interface SqlError {
  code: SqlErrorCode;
  message: string;
}

export const sqlError = (code: SqlErrorCode, message: string): SqlError => ({ code, message });
