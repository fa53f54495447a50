// The one function class-validator's IsPhoneNumber calls; class-validator turns this error into
// `false`, so an IsPhoneNumber here would refuse every number. test/platform/dependencies.spec.ts
// keeps src free of it; should phone numbers ever be validated, remove the override.
exports.parsePhoneNumber = function parsePhoneNumber() {
  throw new Error('Phone numbers are not validated here: see "overrides" in package.json');
};
