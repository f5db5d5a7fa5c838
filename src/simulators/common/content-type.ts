/** Reading a request's Content-Type the way the simulated platforms do. */

/** The media type of a Content-Type header, lower-cased, without parameters. */
export function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0]!.trim().toLowerCase();
}

export function isFormEncoded(header: string | undefined): boolean {
  return mediaType(header) === 'application/x-www-form-urlencoded';
}

/** `application/json` or any `application/…+json`. */
export function isJson(header: string | undefined): boolean {
  const type = mediaType(header);
  return type === 'application/json' || /^application\/[a-z0-9.+-]+\+json$/.test(type);
}
