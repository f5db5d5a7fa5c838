/**
 * The closed set of error codes reaches clients as `enum ErrorCode` (schema/errors.graphql), which their codegen turns
 * into a type: it must hold exactly src/domain/error-codes.ts's ERROR_CODES, in the same order, each value described, and be
 * served (under CXGRAPH_SCHEMA_PREFIX too, as `CxErrorCode`).
 */
import type { GraphQLEnumType } from 'graphql';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../src/errors/errors.js';
import { subgraphSchema } from '../../src/graphql/schema.js';

describe('enum ErrorCode', () => {
  it('lists exactly ERROR_CODES, in order, each value described', () => {
    const type = subgraphSchema().getType('ErrorCode');
    // @apollo/subgraph may build with another copy of graphql-js, so no instanceof.
    expect(type?.astNode?.kind).toBe('EnumTypeDefinition');
    const values = (type as GraphQLEnumType).getValues();
    expect(values.map((v) => v.name)).toEqual([...ERROR_CODES]);
    for (const v of values) expect(v.description?.trim(), v.name).toBeTruthy();
    expect(type!.description).toContain('extensions.code');
  });

  it('is served under the schema prefix like every other type', () => {
    const type = subgraphSchema('Cx').getType('CxErrorCode') as GraphQLEnumType | undefined;
    expect(type?.getValues().map((v) => v.name)).toEqual([...ERROR_CODES]);
  });
});
