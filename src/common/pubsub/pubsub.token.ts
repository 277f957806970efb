/** Injection token of the process's PubSub (a `graphql-subscriptions` PubSubEngine backed by Redis). */
export const PUB_SUB = Symbol('PUB_SUB');
