// Schemas of the OData feed (UJ-16) for its OpenAPI description, built from the entity sets
// themselves so the description and the $metadata document cannot disagree.
import { type TSchema, Type } from '@sinclair/typebox'
import { type EdmType, entitySets } from './odata.ts'

const edmSchemas: Record<EdmType, () => TSchema> = {
  'Edm.String': () => Type.String(),
  'Edm.Int32': () => Type.Integer(),
  'Edm.Boolean': () => Type.Boolean(),
  'Edm.Date': () => Type.String({ format: 'date' }),
  'Edm.DateTimeOffset': () => Type.String({ format: 'date-time' }),
}

/**
 * One entity of each set. Every property may be left out by $select and is null when unknown;
 * a row of either set is written out whole whichever schema it is matched to.
 */
const entities = entitySets.map((set) =>
  Type.Object(
    Object.fromEntries(
      set.properties.map((p) => [
        p.name,
        Type.Optional(
          p.name === set.key ? edmSchemas[p.type]() : Type.Union([edmSchemas[p.type](), Type.Null()]),
        ),
      ]),
    ),
    { title: set.entityType, description: `An entity of ${set.name}`, additionalProperties: true },
  ),
)

export const ServiceDocument = Type.Object({
  '@odata.context': Type.String({ format: 'uri' }),
  value: Type.Array(
    Type.Object({
      name: Type.String({ description: 'The entity set' }),
      kind: Type.Literal('EntitySet'),
      url: Type.String(),
    }),
  ),
})

export const EntityPage = Type.Object({
  '@odata.context': Type.String({ format: 'uri' }),
  '@odata.count': Type.Optional(Type.Integer({ description: 'With $count=true: how many match in all' })),
  value: Type.Array(Type.Union(entities)),
  '@odata.nextLink': Type.Optional(
    Type.String({ format: 'uri', description: 'The next page, when more remain' }),
  ),
})

/** An option given once, or repeated (as Power Query repeats `apikey`): the first counts. */
const option = (description: string) =>
  Type.Optional(Type.Union([Type.String(), Type.Array(Type.String())], { description }))

/**
 * The query options Power BI sends. The feed reads each as text and names any it cannot read;
 * other options are ignored.
 */
export const ODataQueryOptions = Type.Object({
  $filter: option('Conditions `Property eq|ne|gt|ge|lt|le value`, joined by `and`'),
  $select: option('Comma-separated properties to return'),
  $orderby: option('Comma-separated `Property asc|desc`'),
  $top: option('At most this many entities in all: a whole number'),
  $skip: option('Skip this many entities: a whole number'),
  $count: option('`true` to include `@odata.count`'),
})
