/**
 * graphql-js ends some error messages with a suggestion taken from the schema ("… Did you mean "recordings"?",
 * "… Did you mean the enum value "PBX"?"). Where introspection is off that hands the schema out a name at a time
 * (graphql/graphql-js#2247). Apollo Server's `hideSchemaDetailsFromClientErrors` strips it from validation errors
 * only; variable coercion errors (an enum value or input field misspelt in `variables`) reach formatError with
 * theirs, so it is stripped there too, with the same pattern.
 */
const SUGGESTION = / ?Did you mean(.+?)\?$/;

/** `message` without graphql-js's closing "Did you mean …?" suggestion. */
export function withoutSuggestions(message: string): string {
  return message.replace(SUGGESTION, '');
}
