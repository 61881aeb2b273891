module github.com/libsts/libsts/bindings/go/bench

go 1.19

require (
	github.com/libsts/libsts/bindings/go v0.0.0
	github.com/tencentyun/qcloud-cos-sts-sdk v0.0.0-20250515025012-e0eec8a5d123
)

replace github.com/libsts/libsts/bindings/go => ../
