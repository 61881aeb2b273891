module github.com/libsts/libsts/bindings/go

go 1.19
