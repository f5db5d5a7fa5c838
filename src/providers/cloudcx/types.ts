/**
 * Bodies of the CloudCX (Cloudfon CX) open API (docs/providers/cloudcx.md#the-user-page,
 * https://cloudfon.atlassian.net — "CloudCX REST API authentication").
 */

/** Every answer is wrapped: `code` "0000" is success, any other code is a failure even with HTTP 200. */
export interface CloudCxEnvelope<T> {
  code: string;
  message: string | null;
  data: T | null;
}

export const CLOUDCX_SUCCESS_CODE = '0000';

/** `data` of GET /openapi/v2/user/page: a Spring Data page. `number` is 0-based. */
export interface CloudCxUserPage {
  totalPages: number;
  totalElements: number;
  size: number;
  number: number;
  numberOfElements: number;
  content: CloudCxUser[];
}

export interface CloudCxUser {
  id: string;
  loginCode: string | null;
  roles: string[] | null;
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  phoneNumber: string | null;
  uniqueCode: string | null;
}
