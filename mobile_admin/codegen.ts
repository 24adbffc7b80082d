// Typed documents from the committed SDL: a schema change that breaks a screen fails `vue-tsc` in the build.
import type { CodegenConfig } from '@graphql-codegen/cli'

const config: CodegenConfig = {
  schema: '../schema/admin.graphql',
  documents: ['src/**/*.ts', 'src/**/*.vue', '!src/gql/**'],
  ignoreNoDocuments: false,
  generates: {
    'src/gql/': {
      preset: 'client',
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        scalars: { DateTime: 'string', Date: 'string', JSON: 'unknown' },
        strictScalars: false,
        defaultScalarType: 'unknown',
      },
      presetConfig: { fragmentMasking: false },
    },
  },
}

export default config
