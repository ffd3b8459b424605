/* schema_meta.c — the draft 2020-12 meta-schema and its vocabulary meta-schemas,
 * built in so "$schema"/"$ref" to them resolve without a network (JSON Schema
 * specification documents, json-schema.org).  Whitespace-compacted. */
#include <string.h>
#include "schema_int.h"

static const struct {
	const char *uri, *text;
} metas[] = {
	{"https://json-schema.org/draft/2020-12/schema",
	  "{\"$schema\":\"https://json-schema.org/draft/2020-12/schema\",\"$id\":\"https://json-sc"
	  "hema.org/draft/2020-12/schema\",\"$vocabulary\":{\"https://json-schema.org/draft/202"
	  "0-12/vocab/core\":true,\"https://json-schema.org/draft/2020-12/vocab/applicator\":t"
	  "rue,\"https://json-schema.org/draft/2020-12/vocab/unevaluated\":true,\"https://json"
	  "-schema.org/draft/2020-12/vocab/validation\":true,\"https://json-schema.org/draft/"
	  "2020-12/vocab/meta-data\":true,\"https://json-schema.org/draft/2020-12/vocab/forma"
	  "t-annotation\":true,\"https://json-schema.org/draft/2020-12/vocab/content\":true},\""
	  "$dynamicAnchor\":\"meta\",\"title\":\"Core and Validation specifications meta-schema\","
	  "\"allOf\":[{\"$ref\":\"meta/core\"},{\"$ref\":\"meta/applicator\"},{\"$ref\":\"meta/unevaluat"
	  "ed\"},{\"$ref\":\"meta/validation\"},{\"$ref\":\"meta/meta-data\"},{\"$ref\":\"meta/format-a"
	  "nnotation\"},{\"$ref\":\"meta/content\"}],\"type\":[\"object\",\"boolean\"],\"properties\":{\""
	  "definitions\":{\"type\":\"object\",\"additionalProperties\":{\"$dynamicRef\":\"#meta\"},\"de"
	  "precated\":true,\"default\":{}},\"dependencies\":{\"type\":\"object\",\"additionalProperti"
	  "es\":{\"anyOf\":[{\"$dynamicRef\":\"#meta\"},{\"$ref\":\"meta/validation#/$defs/stringArra"
	  "y\"}]},\"deprecated\":true,\"default\":{}},\"$recursiveAnchor\":{\"$ref\":\"meta/core#/$de"
	  "fs/anchorString\",\"deprecated\":true},\"$recursiveRef\":{\"$ref\":\"meta/core#/$defs/ur"
	  "iReferenceString\",\"deprecated\":true}}}"},
	{"https://json-schema.org/draft/2020-12/meta/core",
	  "{\"$schema\":\"https://json-schema.org/draft/2020-12/schema\",\"$id\":\"https://json-sc"
	  "hema.org/draft/2020-12/meta/core\",\"$vocabulary\":{\"https://json-schema.org/draft/"
	  "2020-12/vocab/core\":true},\"$dynamicAnchor\":\"meta\",\"title\":\"Core vocabulary meta-"
	  "schema\",\"type\":[\"object\",\"boolean\"],\"properties\":{\"$id\":{\"$ref\":\"#/$defs/uriRefe"
	  "renceString\",\"pattern\":\"^[^#]*#?$\"},\"$schema\":{\"$ref\":\"#/$defs/uriString\"},\"$ref"
	  "\":{\"$ref\":\"#/$defs/uriReferenceString\"},\"$anchor\":{\"$ref\":\"#/$defs/anchorString\""
	  "},\"$dynamicRef\":{\"$ref\":\"#/$defs/uriReferenceString\"},\"$dynamicAnchor\":{\"$ref\":\""
	  "#/$defs/anchorString\"},\"$vocabulary\":{\"type\":\"object\",\"propertyNames\":{\"$ref\":\"#"
	  "/$defs/uriString\"},\"additionalProperties\":{\"type\":\"boolean\"}},\"$comment\":{\"type\""
	  ":\"string\"},\"$defs\":{\"type\":\"object\",\"additionalProperties\":{\"$dynamicRef\":\"#meta"
	  "\"}}},\"$defs\":{\"anchorString\":{\"type\":\"string\",\"pattern\":\"^[A-Za-z_][-A-Za-z0-9._"
	  "]*$\"},\"uriString\":{\"type\":\"string\",\"format\":\"uri\"},\"uriReferenceString\":{\"type\":"
	  "\"string\",\"format\":\"uri-reference\"}}}"},
	{"https://json-schema.org/draft/2020-12/meta/applicator",
	  "{\"$schema\":\"https://json-schema.org/draft/2020-12/schema\",\"$id\":\"https://json-sc"
	  "hema.org/draft/2020-12/meta/applicator\",\"$vocabulary\":{\"https://json-schema.org/"
	  "draft/2020-12/vocab/applicator\":true},\"$dynamicAnchor\":\"meta\",\"title\":\"Applicato"
	  "r vocabulary meta-schema\",\"type\":[\"object\",\"boolean\"],\"properties\":{\"prefixItems"
	  "\":{\"$ref\":\"#/$defs/schemaArray\"},\"items\":{\"$dynamicRef\":\"#meta\"},\"contains\":{\"$d"
	  "ynamicRef\":\"#meta\"},\"additionalProperties\":{\"$dynamicRef\":\"#meta\"},\"properties\":"
	  "{\"type\":\"object\",\"additionalProperties\":{\"$dynamicRef\":\"#meta\"},\"default\":{}},\"p"
	  "atternProperties\":{\"type\":\"object\",\"additionalProperties\":{\"$dynamicRef\":\"#meta\""
	  "},\"propertyNames\":{\"format\":\"regex\"},\"default\":{}},\"dependentSchemas\":{\"type\":\"o"
	  "bject\",\"additionalProperties\":{\"$dynamicRef\":\"#meta\"},\"default\":{}},\"propertyNam"
	  "es\":{\"$dynamicRef\":\"#meta\"},\"if\":{\"$dynamicRef\":\"#meta\"},\"then\":{\"$dynamicRef\":\""
	  "#meta\"},\"else\":{\"$dynamicRef\":\"#meta\"},\"allOf\":{\"$ref\":\"#/$defs/schemaArray\"},\"a"
	  "nyOf\":{\"$ref\":\"#/$defs/schemaArray\"},\"oneOf\":{\"$ref\":\"#/$defs/schemaArray\"},\"not"
	  "\":{\"$dynamicRef\":\"#meta\"}},\"$defs\":{\"schemaArray\":{\"type\":\"array\",\"minItems\":1,\""
	  "items\":{\"$dynamicRef\":\"#meta\"}}}}"},
	{"https://json-schema.org/draft/2020-12/meta/unevaluated",
	  "{\"$schema\":\"https://json-schema.org/draft/2020-12/schema\",\"$id\":\"https://json-sc"
	  "hema.org/draft/2020-12/meta/unevaluated\",\"$vocabulary\":{\"https://json-schema.org"
	  "/draft/2020-12/vocab/unevaluated\":true},\"$dynamicAnchor\":\"meta\",\"title\":\"Unevalu"
	  "ated applicator vocabulary meta-schema\",\"type\":[\"object\",\"boolean\"],\"properties\""
	  ":{\"unevaluatedItems\":{\"$dynamicRef\":\"#meta\"},\"unevaluatedProperties\":{\"$dynamicR"
	  "ef\":\"#meta\"}}}"},
	{"https://json-schema.org/draft/2020-12/meta/validation",
	  "{\"$schema\":\"https://json-schema.org/draft/2020-12/schema\",\"$id\":\"https://json-sc"
	  "hema.org/draft/2020-12/meta/validation\",\"$vocabulary\":{\"https://json-schema.org/"
	  "draft/2020-12/vocab/validation\":true},\"$dynamicAnchor\":\"meta\",\"title\":\"Validatio"
	  "n vocabulary meta-schema\",\"type\":[\"object\",\"boolean\"],\"properties\":{\"type\":{\"any"
	  "Of\":[{\"$ref\":\"#/$defs/simpleTypes\"},{\"type\":\"array\",\"items\":{\"$ref\":\"#/$defs/sim"
	  "pleTypes\"},\"minItems\":1,\"uniqueItems\":true}]},\"const\":true,\"enum\":{\"type\":\"array"
	  "\",\"items\":true},\"multipleOf\":{\"type\":\"number\",\"exclusiveMinimum\":0},\"maximum\":{\""
	  "type\":\"number\"},\"exclusiveMaximum\":{\"type\":\"number\"},\"minimum\":{\"type\":\"number\"}"
	  ",\"exclusiveMinimum\":{\"type\":\"number\"},\"maxLength\":{\"$ref\":\"#/$defs/nonNegativeIn"
	  "teger\"},\"minLength\":{\"$ref\":\"#/$defs/nonNegativeIntegerDefault0\"},\"pattern\":{\"ty"
	  "pe\":\"string\",\"format\":\"regex\"},\"maxItems\":{\"$ref\":\"#/$defs/nonNegativeInteger\"},"
	  "\"minItems\":{\"$ref\":\"#/$defs/nonNegativeIntegerDefault0\"},\"uniqueItems\":{\"type\":\""
	  "boolean\",\"default\":false},\"maxContains\":{\"$ref\":\"#/$defs/nonNegativeInteger\"},\"m"
	  "inContains\":{\"$ref\":\"#/$defs/nonNegativeInteger\",\"default\":1},\"maxProperties\":{\""
	  "$ref\":\"#/$defs/nonNegativeInteger\"},\"minProperties\":{\"$ref\":\"#/$defs/nonNegative"
	  "IntegerDefault0\"},\"required\":{\"$ref\":\"#/$defs/stringArray\"},\"dependentRequired\":"
	  "{\"type\":\"object\",\"additionalProperties\":{\"$ref\":\"#/$defs/stringArray\"}}},\"$defs\""
	  ":{\"nonNegativeInteger\":{\"type\":\"integer\",\"minimum\":0},\"nonNegativeIntegerDefault"
	  "0\":{\"$ref\":\"#/$defs/nonNegativeInteger\",\"default\":0},\"simpleTypes\":{\"enum\":[\"arr"
	  "ay\",\"boolean\",\"integer\",\"null\",\"number\",\"object\",\"string\"]},\"stringArray\":{\"type"
	  "\":\"array\",\"items\":{\"type\":\"string\"},\"uniqueItems\":true,\"default\":[]}}}"},
	{"https://json-schema.org/draft/2020-12/meta/meta-data",
	  "{\"$schema\":\"https://json-schema.org/draft/2020-12/schema\",\"$id\":\"https://json-sc"
	  "hema.org/draft/2020-12/meta/meta-data\",\"$vocabulary\":{\"https://json-schema.org/d"
	  "raft/2020-12/vocab/meta-data\":true},\"$dynamicAnchor\":\"meta\",\"title\":\"Meta-data v"
	  "ocabulary meta-schema\",\"type\":[\"object\",\"boolean\"],\"properties\":{\"title\":{\"type\""
	  ":\"string\"},\"description\":{\"type\":\"string\"},\"default\":true,\"deprecated\":{\"type\":\""
	  "boolean\",\"default\":false},\"readOnly\":{\"type\":\"boolean\",\"default\":false},\"writeOn"
	  "ly\":{\"type\":\"boolean\",\"default\":false},\"examples\":{\"type\":\"array\",\"items\":true}}"
	  "}"},
	{"https://json-schema.org/draft/2020-12/meta/format-annotation",
	  "{\"$schema\":\"https://json-schema.org/draft/2020-12/schema\",\"$id\":\"https://json-sc"
	  "hema.org/draft/2020-12/meta/format-annotation\",\"$vocabulary\":{\"https://json-sche"
	  "ma.org/draft/2020-12/vocab/format-annotation\":true},\"$dynamicAnchor\":\"meta\",\"tit"
	  "le\":\"Format vocabulary meta-schema for annotation results\",\"type\":[\"object\",\"boo"
	  "lean\"],\"properties\":{\"format\":{\"type\":\"string\"}}}"},
	{"https://json-schema.org/draft/2020-12/meta/format-assertion",
	  "{\"$schema\":\"https://json-schema.org/draft/2020-12/schema\",\"$id\":\"https://json-sc"
	  "hema.org/draft/2020-12/meta/format-assertion\",\"$vocabulary\":{\"https://json-schem"
	  "a.org/draft/2020-12/vocab/format-assertion\":true},\"$dynamicAnchor\":\"meta\",\"title"
	  "\":\"Format vocabulary meta-schema for assertion results\",\"type\":[\"object\",\"boolea"
	  "n\"],\"properties\":{\"format\":{\"type\":\"string\"}}}"},
	{"https://json-schema.org/draft/2020-12/meta/content",
	  "{\"$schema\":\"https://json-schema.org/draft/2020-12/schema\",\"$id\":\"https://json-sc"
	  "hema.org/draft/2020-12/meta/content\",\"$vocabulary\":{\"https://json-schema.org/dra"
	  "ft/2020-12/vocab/content\":true},\"$dynamicAnchor\":\"meta\",\"title\":\"Content vocabul"
	  "ary meta-schema\",\"type\":[\"object\",\"boolean\"],\"properties\":{\"contentEncoding\":{\"t"
	  "ype\":\"string\"},\"contentMediaType\":{\"type\":\"string\"},\"contentSchema\":{\"$dynamicRe"
	  "f\":\"#meta\"}}}"},
};

const char *sch_meta_lookup(const char *uri)
{
	for (size_t i = 0; i < sizeof metas / sizeof metas[0]; i++)
		if (!strcmp(metas[i].uri, uri))
			return metas[i].text;
	return NULL;
}
