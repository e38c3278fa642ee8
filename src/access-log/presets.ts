/** API Gateway's reference formats (SPEC §5), each one line. */
export const PRESETS = {
  clf: '$context.identity.sourceIp $context.identity.caller $context.identity.user [$context.requestTime] "$context.eventType $context.routeKey $context.connectionId" $context.status $context.requestId',
  json: '{ "requestId":"$context.requestId", "ip": "$context.identity.sourceIp", "caller":"$context.identity.caller", "user":"$context.identity.user", "requestTime":"$context.requestTime", "eventType":"$context.eventType", "routeKey":"$context.routeKey", "status":"$context.status", "connectionId":"$context.connectionId" }',
  xml: '<request id="$context.requestId"> <ip>$context.identity.sourceIp</ip> <caller>$context.identity.caller</caller> <user>$context.identity.user</user> <requestTime>$context.requestTime</requestTime> <eventType>$context.eventType</eventType> <routeKey>$context.routeKey</routeKey> <status>$context.status</status> <connectionId>$context.connectionId</connectionId> </request>',
  csv: '$context.identity.sourceIp,$context.identity.caller,$context.identity.user,$context.requestTime,$context.eventType,$context.routeKey,$context.connectionId,$context.status,$context.requestId',
} as const;

export type PresetName = keyof typeof PRESETS;

export function isPreset(format: string): format is PresetName {
  return Object.hasOwn(PRESETS, format);
}
